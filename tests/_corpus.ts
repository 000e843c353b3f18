/**
 * The files by which a Windows test run (under wine) and numpy on Linux hand the .npy corpus
 * back and forth (`scripts/matrix.ts`, `tests/npy_io.test.ts`): numpy writes the corpus and
 * its manifest into one directory before the run; the run leaves there the files it saved and
 * the list of them, which numpy checks after.
 *
 * @example
 * ```ts
 * import { join } from "node:path";
 * const manifest = join("/tmp/corpus", CORPUS_MANIFEST); // what `npy_corpus.py make` printed
 * ```
 * @module
 */

/** The manifest `npy_corpus.py make` prints, as a file in the corpus directory. */
export const CORPUS_MANIFEST = "corpus.json";

/** The `{orig, saved}` pairs the run saved, as `npy_corpus.py check` reads them. */
export const CORPUS_CHECKS = "saved.json";
