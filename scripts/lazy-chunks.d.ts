import type { Plugin } from 'esbuild'

/** A lazy chunk of the script-tag build: its entry module and the file it is built to. */
export interface LazyChunk {
  entry: string
  file: string
}

export declare const LAZY_CHUNKS: readonly LazyChunk[]
export declare const lazyChunks: Plugin
/** The script-tag build's code with its chunks imported by absolute URL, from the script's own. */
export declare function importFromScriptUrl(code: string): string
