import type { Plugin } from 'esbuild'

export declare const LAZY_CHUNKS: Record<string, string>
export declare const lazyChunks: Plugin
