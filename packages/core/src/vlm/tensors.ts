/** Small tensor builders for decoder feeds. */
import type { Tensor } from "../backend/session.js";
import { tensor } from "../backend/tensor.js";

/** An int64 [rows, width] tensor from equal-length rows. */
export function int64Rows(rows: readonly (readonly number[])[]): Tensor<"int64"> {
  const width = rows[0]?.length ?? 0;
  const data = new BigInt64Array(rows.length * width);
  rows.forEach((row, r) => {
    row.forEach((v, c) => {
      data[r * width + c] = BigInt(v);
    });
  });
  return tensor("int64", data, [rows.length, width]);
}

/** An int64 tensor of ones shaped [rows, width]. */
export function onesInt64(rows: number, width: number): Tensor<"int64"> {
  return tensor("int64", new BigInt64Array(rows * width).fill(1n), [rows, width]);
}
