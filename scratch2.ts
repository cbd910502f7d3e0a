import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { lutForwardJs, lutBackwardJs, binaryAddresses } from './src/core/lut/kernel-js';
import { Random } from './src/core/random';
await tf.setBackend('wasm');
const shape = { inputWidth: 256, neurons: 256, tablesPerNeuron: 256, k: 4 };
const rng = new Random('x');
const B = 128;
const x = new Float32Array(B*256).map(() => rng.sign());
const w = new Float32Array(65536*16).map(() => rng.uniform(-1,1));
const mask = new Int32Array(65536*4).map(() => rng.int(256));
const dy = new Float32Array(B*256).map(() => rng.uniform(-1,1));
for (let i=0;i<3;i++){
let t=performance.now(); const A = binaryAddresses(x,B,mask,shape); lutForwardJs(x,B,w,1,mask,shape,{binaryInputs:true,binarizeOutput:false}, A); const f=performance.now()-t;
t=performance.now(); lutBackwardJs(dy,x,B,w,1,mask,shape,{binaryInputs:true,binarizeOutput:false}, A); const b=performance.now()-t;
console.log('fwd', f.toFixed(1), 'bwd', b.toFixed(1));
}
const wt = tf.variable(tf.tensor2d(w,[65536,16]));
for (let i=0;i<3;i++){ let t=performance.now(); tf.tidy(()=>{ const s = tf.where(tf.greaterEqual(wt,0), tf.onesLike(wt), tf.onesLike(wt).neg()); s.dataSync(); }); console.log('sign', (performance.now()-t).toFixed(1)); }
for (let i=0;i<3;i++){ let t=performance.now(); wt.dataSync(); console.log('dataSync', (performance.now()-t).toFixed(1)); }
