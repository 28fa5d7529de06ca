/**
 * Quoting names into SQL: an identifier is double-quoted with its quotes doubled, so a
 * column called `order` or `Total` means that column and nothing else.
 *
 * @module
 */

/** `"name"`, with inner quotes doubled. */
export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/**
 * A table name as given (`events`, `app.events`, `"Odd.Name"`), quoted part by part; a part
 * already in double quotes is kept as it is, others are folded to lower case as PostgreSQL does.
 */
export const quoteName = (name: string): string => {
  const parts: string[] = [];
  let i = 0;
  while (i <= name.length) {
    if (name[i] === '"') {
      let j = i + 1;
      let part = "";
      for (; j < name.length; j++) {
        if (name[j] === '"') {
          if (name[j + 1] === '"') {
            part += '"';
            j++;
            continue;
          }
          break;
        }
        part += name[j];
      }
      parts.push(quoteIdent(part));
      i = j + 2; // past the closing quote and the dot
    } else {
      const dot = name.indexOf(".", i);
      const end = dot === -1 ? name.length : dot;
      // Unquoted, PostgreSQL folds a name to lower case: so do we.
      parts.push(quoteIdent(name.slice(i, end).toLowerCase()));
      i = end + 1;
    }
  }
  return parts.join(".");
};
