// PostgreSQL's WAL positions as text (`X/Y`, two hexadecimal halves of a 64-bit number: pg_lsn's output,
// src/backend/utils/adt/pg_lsn.c), made comparable. One parser for the slots, the catalog, the operator's
// ranking, promotion tokens and the rewind check.

/** `X/Y` (hex) -> a comparable number; undefined when the text is not an LSN. */
export function parseLsn(text: string | undefined): bigint | undefined {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text ?? '');
  return m ? (BigInt(`0x${m[1] ?? '0'}`) << 32n) + BigInt(`0x${m[2] ?? '0'}`) : undefined;
}
