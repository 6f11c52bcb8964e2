export type TfjsNodeLoad = { loaded: true } | { loaded: false; installed: boolean; error: unknown };

/**
 * Loads @tensorflow/tfjs-node, which registers the native 'tensorflow' backend. It is never a
 * dependency (its install downloads libtensorflow, which fails offline): it is used only when the user
 * installed it. An install with scripts skipped resolves but throws, hence the try/catch.
 */
export function loadTfjsNode(): TfjsNodeLoad {
  try {
    require('@tensorflow/tfjs-node');
    return { loaded: true };
  } catch (error) {
    const notFound =
      (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' &&
      String((error as Error).message).includes("'@tensorflow/tfjs-node'");
    return { loaded: false, installed: !notFound, error };
  }
}
