/** The repository root. */
export declare const ROOT: string;
/** The workspace packages the demo imports, in build order. */
export declare const DEMO_PACKAGES: readonly string[];
/** True when `packages/<pkg>/dist/index.js` is missing or older than its sources or build settings. */
export declare function isStale(pkg: string): Promise<boolean>;
/** Builds the stale packages of DEMO_PACKAGES; resolves to those built. */
export declare function ensureBuilt(options?: { onBuild?: (pkg: string) => void }): Promise<string[]>;
