// Loads the built package (target/wasm-pkg, --target web, every capability) in Node: the page loads
// the same kind of files, built with fewer exports (target/wasm-page).
import { readFile } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const pkgDir = process.env.MAILOAUTH_WASM_PKG || path.join(root, "target/wasm-pkg");

/** Imports and initialises the package in `dir` (by default the full package). */
export async function loadPackage(dir = pkgDir) {
  const m = await import(pathToFileURL(path.join(dir, "mailoauth_wasm.js")).href);
  await m.default({ module_or_path: await readFile(path.join(dir, "mailoauth_wasm_bg.wasm")) });
  return m;
}
