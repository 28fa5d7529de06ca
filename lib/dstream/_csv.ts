/**
 * One CSV line split into fields, RFC 4180 within a line.
 *
 * @module
 */

/**
 * Splits one CSV line into fields (RFC 4180 within a line: a field in double quotes may
 * hold the delimiter and `""` for a quote); a description of the problem if it cannot.
 */
export const splitCsvLine = (line: string, delimiter: string): string[] | string => {
  const fields: string[] = [];
  const n = line.length;
  let i = 0;
  for (;;) {
    if (line.charCodeAt(i) === 0x22 /* " */) {
      const start = i;
      let value = "";
      i++;
      for (;;) {
        const quote = line.indexOf('"', i);
        if (quote < 0) return `unterminated quoted field starting at column ${start + 1}`;
        value += line.slice(i, quote);
        if (line.charCodeAt(quote + 1) === 0x22) {
          value += '"';
          i = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      if (i < n && !line.startsWith(delimiter, i)) return `text after the closing quote of the field at column ${start + 1}`;
      fields.push(value);
    } else {
      const next = line.indexOf(delimiter, i);
      const end = next < 0 ? n : next;
      fields.push(line.slice(i, end));
      i = end;
    }
    if (i >= n) return fields;
    i += delimiter.length;
    if (i >= n) {
      fields.push("");
      return fields;
    }
  }
};

