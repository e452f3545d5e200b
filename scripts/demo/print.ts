// How the demo prints: headings, aligned lines and byte/time figures, so every part reads alike.

/** Bytes as a human figure: `812 B`, `14.2 KiB`, `3.10 MiB`. */
export function bytes(count: number): string {
  if (count < 1024) return `${count} B`;
  if (count < 1024 * 1024) return `${(count / 1024).toFixed(1)} KiB`;
  return `${(count / 1024 / 1024).toFixed(2)} MiB`;
}

/** Milliseconds, one decimal under 10 ms, whole above. */
export function ms(value: number): string {
  return value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`;
}

/** `part` as a percentage of `whole`, e.g. `-74.1%` for a saving. */
export function change(part: number, whole: number): string {
  if (whole === 0) return 'n/a';
  const delta = ((part - whole) / whole) * 100;
  return `${delta > 0 ? '+' : ''}${delta.toFixed(1)}%`;
}

/** A ratio such as `12.3x`. */
export function times(numerator: number, denominator: number): string {
  return denominator === 0 ? 'n/a' : `${(numerator / denominator).toFixed(1)}x`;
}

/** Prints a part's heading. */
export function heading(text: string): void {
  console.log(`\n== ${text} ==`);
}

/** Prints one line of a part, indented. */
export function line(text = ''): void {
  console.log(text === '' ? '' : `  ${text}`);
}

/** Prints rows as aligned columns (first column left-aligned, the others right-aligned). */
export function table(rows: readonly (readonly string[])[]): void {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [index, cell] of row.entries()) widths[index] = Math.max(widths[index] ?? 0, cell.length);
  }
  for (const row of rows) {
    line(
      row
        .map((cell, index) =>
          index === 0 ? cell.padEnd(widths[index] ?? 0) : cell.padStart(widths[index] ?? 0),
        )
        .join('  ')
        .trimEnd(),
    );
  }
}

/** Fails the demo with a message saying what did not hold: the demo checks what it claims. */
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`[wirepack/demo] check failed: ${message}`);
}
