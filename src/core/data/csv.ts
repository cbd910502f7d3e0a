/**
 * CSV reader for tabular datasets: one sample per row, numeric feature columns and one label
 * column. The first row is a header when any of its cells is not a number.
 */
import { DataError } from '../errors';
import type { Dataset } from './dataset';

export interface CsvOptions {
  /** File name, for the dataset name and error messages. */
  name: string;
  /** Label column: a 0-based index or a header name; the last column when absent. */
  labelColumn?: number | string;
  /** Number of classes, 2-256; the number of distinct labels when absent. */
  classes?: number;
}

/** Splits CSV text into rows of cells. Double-quoted cells may contain commas, newlines and doubled quotes. */
export function splitCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;

  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
      continue;
    }
    if (c === '"' && cell === '') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (quoted) throw new DataError('CSV text ends inside a quoted cell; close the quote');
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0].trim() === ''));
}

function isNumber(cell: string): boolean {
  return cell.trim() !== '' && Number.isFinite(Number(cell));
}

function resolveLabelColumn(labelColumn: number | string | undefined, header: string[] | undefined, columns: number, name: string): number {
  if (labelColumn === undefined) return columns - 1;
  if (typeof labelColumn === 'number') {
    if (!Number.isInteger(labelColumn) || labelColumn < 0 || labelColumn >= columns) {
      throw new DataError(`${name}: label column ${labelColumn} does not exist; the file has columns 0-${columns - 1}`);
    }
    return labelColumn;
  }
  const index = header?.findIndex((cell) => cell.trim() === labelColumn) ?? -1;
  if (index < 0) {
    const known = header ? `the header has ${header.map((h) => `"${h.trim()}"`).join(', ')}` : 'the file has no header row';
    throw new DataError(`${name}: label column "${labelColumn}" not found; ${known}`);
  }
  return index;
}

/**
 * Parses CSV text into a Dataset of 8-bit features. Feature values 0-255 are rounded to
 * integers; when every feature lies in [0, 1], values are scaled by 255 first, so 0/1 columns
 * meet the sign encoder's default threshold of 127. Labels that are all integers 0-255 are
 * used as they are; any other labels become class indices in sorted order of their text.
 * Raises a DataError naming the row and column of the first problem.
 */
export function parseCsv(text: string, options: CsvOptions): Dataset {
  const { name } = options;
  const rows = splitCsv(text);
  if (rows.length === 0) throw new DataError(`${name}: the CSV file is empty`);

  // Header and label column.
  const header = rows[0].some((cell) => !isNumber(cell)) ? rows[0] : undefined;
  const body = header ? rows.slice(1) : rows;
  if (body.length === 0) throw new DataError(`${name}: the CSV file has a header but no data rows`);
  const columns = rows[0].length;
  if (columns < 2) throw new DataError(`${name}: expected at least 2 columns (features and a label), got ${columns}`);
  const labelIndex = resolveLabelColumn(options.labelColumn, header, columns, name);
  const featureCount = columns - 1;

  // Feature values.
  const values = new Float64Array(body.length * featureCount);
  const labelTexts: string[] = [];
  let allUnit = true;
  body.forEach((row, r) => {
    const line = r + (header ? 2 : 1);
    if (row.length !== columns) throw new DataError(`${name}: line ${line} has ${row.length} cells, expected ${columns} like the first row`);
    let f = 0;
    row.forEach((cell, c) => {
      if (c === labelIndex) {
        labelTexts.push(cell.trim());
        return;
      }
      const value = Number(cell);
      if (!isNumber(cell)) throw new DataError(`${name}: line ${line}, column ${c + 1}: "${cell}" is not a number`);
      if (value < 0 || value > 255) throw new DataError(`${name}: line ${line}, column ${c + 1}: ${value} is outside 0-255; rescale the features to 8-bit values`);
      if (value > 1) allUnit = false;
      values[r * featureCount + f++] = value;
    });
  });
  const scale = allUnit ? 255 : 1;
  const features = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) features[i] = Math.round(values[i] * scale);

  // Labels.
  const numeric = labelTexts.every((t) => /^\d+$/.test(t) && Number(t) <= 255);
  const labels = new Uint8Array(body.length);
  let classes: number;
  if (numeric) {
    labelTexts.forEach((t, i) => (labels[i] = Number(t)));
    classes = options.classes ?? Math.max(...labels) + 1;
  } else {
    const names = [...new Set(labelTexts)].sort();
    if (names.length > 256) throw new DataError(`${name}: ${names.length} distinct labels, more than the 256 classes supported`);
    const index = new Map(names.map((n, i) => [n, i]));
    labelTexts.forEach((t, i) => (labels[i] = index.get(t)!));
    classes = options.classes ?? names.length;
  }
  if (!Number.isInteger(classes) || classes < 2 || classes > 256) throw new DataError(`${name}: ${classes} classes; a classifier needs 2-256`);
  const outside = labels.findIndex((l) => l >= classes);
  if (outside >= 0) throw new DataError(`${name}: label ${labels[outside]} on data row ${outside + 1} is outside 0..${classes - 1} for ${classes} classes`);

  return { name, sampleShape: [featureCount], featureCount, count: body.length, features, labels, classes };
}
