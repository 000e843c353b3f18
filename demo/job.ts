// The demo's job, one copy of the code for every way of running it: fill a matrix with rows of
// pseudo-random scores, then turn each row into probabilities (softmax).

/** Fills `out`, a flat matrix `cols` wide, with rows of scores of varied mean and spread. */
export function fillRows(out: Float64Array, cols: number): void {
  for (let r = 0, i = 0; i < out.length; r++) {
    let s = Math.imul(r + 1, 0x9e3779b1) || 1; // xorshift32, seeded per row: deterministic
    const mean = r % 10;
    const spread = 1 + (r % 7);
    for (const end = i + cols; i < end; i++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      out[i] = mean + spread * ((s >>> 0) / 2 ** 32 - 0.5);
    }
  }
}

/**
 * Softmax of each row of `rows` (a flat matrix `cols` wide), in place: every row becomes
 * probabilities, positive and summing to 1, as a classifier turns scores into predictions.
 */
export function softmaxRows(rows: Float64Array, cols: number): void {
  for (let start = 0; start < rows.length; start += cols) {
    const row = rows.subarray(start, start + cols);
    let max = -Infinity; // subtracted before exp() so that nothing overflows
    for (let c = 0; c < cols; c++) max = Math.max(max, row[c]);
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += row[c] = Math.exp(row[c] - max);
    for (let c = 0; c < cols; c++) row[c] /= sum;
  }
}
