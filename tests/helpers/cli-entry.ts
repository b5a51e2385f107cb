import { main } from '../../src/cli.js';

main(process.argv).then((code) => {
  process.exitCode = code;
});
