import { useEffect, useState } from 'react';
import { tableIndex, type Netlist, type NetlistLayer } from '../../core/hardware/netlist';
import { useRunStore, useServices } from '../context';
import { formatCount } from '../format';

function clampIndex(value: number, count: number): number {
  return Number.isInteger(value) ? Math.min(Math.max(value, 0), count - 1) : 0;
}

/** Draws the input image grid with the table's K inputs highlighted and numbered. */
function InputGrid({ netlist, inputs }: { netlist: Netlist; inputs: number[] }) {
  const [rows, columns] = netlist.encoder.inputShape;
  const position = new Map(inputs.map((input, i) => [input, i]));
  return (
    <div className="pixel-grid" style={{ gridTemplateColumns: `repeat(${columns}, 14px)` }} data-testid="pixel-grid" aria-label={`${rows}×${columns} input grid`}>
      {Array.from({ length: rows * columns }, (_, p) => {
        const bit = position.get(p);
        return (
          <span key={p} className={bit === undefined ? 'pixel' : 'pixel on'} title={`pixel ${p} (row ${Math.floor(p / columns)}, column ${p % columns})`}>
            {bit === undefined ? '' : bit}
          </span>
        );
      })}
    </div>
  );
}

/** Draws the 2^K truth table, one cell per address, with its bits labelled by input (input 0 = LSB). */
function TruthTable({ layer, bits }: { layer: NetlistLayer; bits: Uint8Array }) {
  const k = layer.k;
  return (
    <div className="truth-table-box">
      <p className="hint">
        Address bit i is table input i, so input 0 is the least significant bit. Each cell shows its address as {k > 1 ? `in${k - 1} … in0` : 'in0'}; a filled cell outputs 1 (+1), an empty one 0 (−1).
      </p>
      <div className="truth-table" style={{ gridTemplateColumns: `repeat(${Math.min(8, bits.length)}, 72px)` }} data-testid="truth-table">
        {Array.from(bits, (bit, address) => (
          <span key={address} className={bit ? 'cell one' : 'cell zero'} title={`address ${address}: output ${bit}`}>
            <small>
              {address} = {address.toString(2).padStart(k, '0')}
            </small>
            <b>{bit}</b>
          </span>
        ))}
      </div>
    </div>
  );
}

/** Shows one table of the exported circuit, its inputs and truth table, read from the netlist. */
export function InspectPanel() {
  const { bridge } = useServices();
  const netlist = useRunStore((s) => s.netlist);
  const epochs = useRunStore((s) => s.history.length);
  const flipped = useRunStore((s) => s.flippedBits);
  const state = useRunStore((s) => s.state);
  const error = useRunStore((s) => s.error);
  const [layerIndex, setLayerIndex] = useState(0);
  const [neuron, setNeuron] = useState(0);
  const [table, setTable] = useState(0);

  useEffect(() => {
    if (state !== 'idle') bridge.request('netlist');
  }, [bridge, epochs, state]);

  if (!netlist) {
    return (
      <section className="panel" aria-label="Inspect">
        <p className="summary">Train a model (one step is enough) or load a model.json to look inside its tables.</p>
        {error && <p className="error">{error}</p>}
      </section>
    );
  }

  const l = clampIndex(layerIndex, netlist.layers.length);
  const layer = netlist.layers[l];
  const j = clampIndex(neuron, layer.neurons);
  const t = clampIndex(table, layer.tablesPerNeuron);
  const index = tableIndex(layer, j, t);
  const inputs = Array.from(layer.inputs.subarray(index * layer.k, (index + 1) * layer.k));
  const entries = 2 ** layer.k;
  const bits = layer.truthTables.subarray(index * entries, (index + 1) * entries);
  const imageInput = l === 0 && netlist.encoder.inputShape.length === 2;
  const activation = layer.activation.kind === 'threshold'
    ? `fires when popcount ${layer.activation.directions[j] > 0 ? '≥' : '≤'} ${layer.activation.thresholds[j]} of ${layer.tablesPerNeuron}`
    : `is an output neuron: its popcount is the score of class ${j}`;

  return (
    <section className="panel" aria-label="Inspect">
      <div className="row">
        <label className="field">
          <span>layer</span>
          <select aria-label="netlist layer" value={l} onChange={(e) => setLayerIndex(Number(e.target.value))}>
            {netlist.layers.map((item, i) => (
              <option key={i} value={i}>
                {i}: {item.name} ({item.neurons} neurons × {item.tablesPerNeuron} tables, K={item.k})
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>neuron (0–{layer.neurons - 1})</span>
          <input type="number" aria-label="neuron" value={j} min={0} max={layer.neurons - 1} onChange={(e) => setNeuron(Number(e.target.value))} />
        </label>
        <label className="field">
          <span>table (0–{layer.tablesPerNeuron - 1})</span>
          <input type="number" aria-label="table" value={t} min={0} max={layer.tablesPerNeuron - 1} onChange={(e) => setTable(Number(e.target.value))} />
        </label>
      </div>
      <p className="summary" data-testid="table-summary">
        Table {t} of neuron {j} reads inputs {inputs.join(', ')} ({l === 0 ? 'input bits' : `neurons of layer ${l - 1}`}). Neuron {j} {activation}.{' '}
        {flipped.length > l ? `${formatCount(flipped[l])} of this layer's ${formatCount(layer.truthTables.length)} table bits flipped during the last epoch.` : 'Bit flips appear after the first epoch.'}
      </p>
      <div className="inspect-body">
        {imageInput && <InputGrid netlist={netlist} inputs={inputs} />}
        <TruthTable layer={layer} bits={bits} />
      </div>
    </section>
  );
}
