/**
 * Index of the largest value of each row of a [rows][columns] array. The lowest index wins
 * ties, in the model's predictions, the netlist simulator and the Verilog alike.
 */
export function argmaxRows(values: ArrayLike<number>, rows: number, columns: number): Int32Array {
  const result = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const row = r * columns;
    let best = 0;
    for (let c = 1; c < columns; c++) {
      if (values[row + c] > values[row + best]) best = c;
    }
    result[r] = best;
  }
  return result;
}
