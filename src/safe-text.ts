/**
 * Text that came from a user's files, made safe where it goes: a terminal (no control
 * characters, so no escape sequences that move the cursor or retitle the window) and a CSV cell
 * that a spreadsheet may open (OWASP's CSV-injection advice).
 */

// C0 controls but tab and newline, DEL, and the C1 range (which includes the 8-bit CSI).
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * Replaces control characters (ESC, CR, BEL, C1...) with their `\xNN` form for printing on a
 * terminal; newlines and tabs become `\n` and `\t` too when `singleLine` (the default).
 */
export function terminalSafe(text: string, singleLine = true): string {
  const escaped = text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return singleLine ? escaped.replace(/\n/g, '\\n').replace(/\t/g, '\\t') : escaped;
}

// OWASP: cells starting with = + - @ (and tab, CR) are formulas to a spreadsheet. A leading
// quote is escaped too, so that the prefix can be removed without ambiguity when read back.
const FORMULA_START = /^[=+\-@\t\r']/;

/**
 * Escapes one text cell for a CSV file that spreadsheets may open: a cell starting with
 * `=`, `+`, `-`, `@`, tab, CR or `'` gets a `'` prefix. Lossless: {@link csvCellUnescape} undoes
 * it. Numbers are written as numbers and never pass through here.
 */
export function csvCellEscape(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** Undoes {@link csvCellEscape}. */
export function csvCellUnescape(cell: string): string {
  return cell.startsWith("'") && FORMULA_START.test(cell.slice(1)) ? cell.slice(1) : cell;
}
