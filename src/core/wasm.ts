/**
 * Compiles a WebAssembly module from its base64 bytes, as the generated *-wasm-binary.ts files
 * contain them. Returns undefined where the platform cannot compile it: no WebAssembly, or
 * no support for an instruction set the module uses, such as SIMD or shared memory.
 */
export function compileWasm(base64: string): WebAssembly.Module | undefined {
  try {
    return new WebAssembly.Module(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
}
