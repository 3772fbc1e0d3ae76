// The YAML layer of the loader: text → plain data plus a way back from a data path to its line. Bounded
// whatever the text holds: yaml's own quadratic duplicate-key check is replaced by a linear one, aliases
// that would loop (an alias inside the node it names) or explode (an alias bomb) are refused with their
// line, and the data with its aliases expanded is measured before anything walks it.
import { Composer, Lexer, LineCounter, Parser, YAMLParseError, isAlias, isCollection, isMap, isPair, isScalar, isSeq, type Alias, type CST, type Document } from 'yaml';
import { ConfigError, type ConfigProblem } from '../lib/errors.js';
import type { PathSegment } from './issues.js';
import {
  MAX_ALIAS_COUNT,
  MAX_ANCHORS_AND_ALIASES,
  MAX_DOCUMENT_CHARS,
  MAX_DOCUMENT_VALUES,
  MAX_NESTING_DEPTH,
  formatCount,
  sizeOf,
} from './limits.js';

/** A parsed config document: its data, and the line of any path in it. */
export interface YamlDocument {
  /** The document as plain data (mappings as objects); shared subtrees where the file used aliases. */
  readonly data: unknown;
  /** The 1-based line of the node at `path`: the key's line for `at: 'key'`, else the value's. */
  lineOf(path: readonly PathSegment[], at: 'key' | 'value'): number | null;
}

/** Parses a config's YAML; throws a ConfigError with every located YAML problem. */
export function parseYaml(text: string, file: string): YamlDocument {
  const lineCounter = new LineCounter();
  const problemAt = (offset: number | undefined, message: string): ConfigProblem => ({
    file,
    line: offset === undefined ? null : lineCounter.linePos(offset).line,
    path: '',
    message,
  });
  const doc = composeDocument(text, lineCounter, problemAt);
  if (doc.errors.length) {
    throw new ConfigError(doc.errors.map((error) => problemAt(error.pos[0], yamlMessage(error.message))));
  }

  const { problems, aliasTargets } = inspectNodes(doc, problemAt);
  if (problems.length) throw new ConfigError(problems);

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/excessive alias count/i.test(message)) {
      throw new ConfigError([
        problemAt(
          undefined,
          `the YAML aliases expand too far (an anchor used more than ${formatCount(MAX_ALIAS_COUNT)} times, counting the aliases inside it); ` +
            'refusing what looks like an alias bomb',
        ),
      ]);
    }
    throw new ConfigError([problemAt(undefined, `invalid YAML: ${message}`)]);
  }
  measureDocument(data, file);
  const pairIndexes = new WeakMap<object, Map<string, YamlPair>>();
  return { data, lineOf: (path, at) => lineOf({ doc, lineCounter, aliasTargets, pairIndexes }, path, at) };
}

function yamlMessage(message: string): string {
  const first = message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  if (/maximum call stack size exceeded/i.test(first)) return 'invalid YAML: nested too deeply';
  return `invalid YAML: ${first}`;
}

/**
 * yaml's parseDocument, with the nesting depth bounded while the text is parsed: yaml composes a
 * document recursively (a stack overflow past ~800 levels) and its parser takes ~1 KB a level, so a
 * megabyte of `[` cost seconds and ~900 MB before the overflow. Here the parse stops at the first
 * token past the bound. `merge` allows `<<: *defaults`, so shared check settings can live in an `x-`
 * anchor; duplicate keys are checked by `inspectNodes`: yaml's `uniqueKeys` compares each key with
 * every earlier one (over a minute for 300,000).
 */
function composeDocument(
  text: string,
  lineCounter: LineCounter,
  problemAt: (offset: number | undefined, message: string) => ConfigProblem,
): Document.Parsed {
  const parser = new Parser(lineCounter.addNewLine);
  function* tokens(): Generator<CST.Token> {
    lineCounter.addNewLine(0);
    for (const lexeme of new Lexer().lex(text)) {
      yield* parser.next(lexeme);
      // The stack holds the document and each collection open at this token.
      if (parser.stack.length > MAX_NESTING_DEPTH + 1) {
        throw new ConfigError([problemAt(parser.offset, `invalid YAML: nested more than ${MAX_NESTING_DEPTH} levels deep`)]);
      }
    }
    yield* parser.end();
  }
  const composer = new Composer({ uniqueKeys: false, merge: true });
  let doc: Document.Parsed | null = null;
  for (const composed of composer.compose(tokens(), true, text.length)) {
    if (doc === null) doc = composed;
    else {
      doc.errors.push(new YAMLParseError(composed.range.slice(0, 2) as [number, number], 'MULTIPLE_DOCS', 'a config is one YAML document; remove the second "---"'));
      break;
    }
  }
  // compose(…, forceDoc = true) ends with a document, empty when the text is.
  return doc!;
}

type YamlNode = unknown;

/**
 * One pass over the nodes in document order: duplicate keys, aliases to no anchor or to a node that
 * contains them (yaml's toJS loops forever on `a: &a { <<: *a }`), and the number of anchors and aliases
 * (yaml resolves each alias by scanning all of them). Returns each alias's node, for `lineOf`.
 */
function inspectNodes(
  doc: Document,
  problemAt: (offset: number | undefined, message: string) => ConfigProblem,
): { problems: ConfigProblem[]; aliasTargets: Map<Alias, YamlNode> } {
  const problems: ConfigProblem[] = [];
  const anchors = new Map<string, YamlNode>();
  const aliasTargets = new Map<Alias, YamlNode>();
  const open = new Set<YamlNode>();
  let anchorsAndAliases = 0;
  // An explicit stack (enter, then exit after the children) so a deeply nested file cannot overflow ours.
  const stack: Array<{ node: YamlNode; exit: boolean }> = [{ node: doc.contents, exit: false }];
  while (stack.length) {
    const { node, exit } = stack.pop()!;
    if (exit) {
      open.delete(node);
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    const start = rangeStart(node);
    if (isAlias(node)) {
      anchorsAndAliases += 1;
      const target = anchors.get(node.source);
      if (target === undefined) problems.push(problemAt(start, `invalid YAML: alias *${node.source} has no anchor &${node.source} before it`));
      else if (open.has(target)) {
        problems.push(problemAt(start, `invalid YAML: alias *${node.source} is inside the node anchored &${node.source}, so it would never end`));
      } else aliasTargets.set(node, target);
      continue;
    }
    const anchor = (node as { anchor?: string }).anchor;
    if (anchor) {
      anchorsAndAliases += 1;
      anchors.set(anchor, node);
    }
    if (anchorsAndAliases > MAX_ANCHORS_AND_ALIASES) {
      problems.push(problemAt(start, `the file has more than ${formatCount(MAX_ANCHORS_AND_ALIASES)} YAML anchors and aliases`));
      break;
    }
    open.add(node);
    stack.push({ node, exit: true });
    const children: YamlNode[] = [];
    if (isMap(node)) {
      const keys = new Set<unknown>();
      for (const pair of node.items) {
        if (isCollection(pair.key)) {
          // yaml would make the text of the list or mapping the key, and warn on the process's stderr.
          problems.push(problemAt(rangeStart(pair.key), 'invalid YAML: a key must be a plain value like a name, not a list or a mapping'));
        } else if (isScalar(pair.key) && pair.key.value === '__proto__') {
          // An own "__proto__" key becomes an object's prototype wherever the data is copied: the entry vanishes.
          problems.push(problemAt(rangeStart(pair.key), 'invalid YAML: "__proto__" cannot be used as a key'));
        }
        if (isScalar(pair.key)) {
          if (keys.has(pair.key.value)) problems.push(problemAt(rangeStart(pair.key), 'invalid YAML: Map keys must be unique'));
          keys.add(pair.key.value);
          // yaml's toJS throws, without a line, on a merge of anything else.
          if (isMergeKey(pair.key.value) && !isMergeable(pair.value, anchors)) {
            problems.push(problemAt(rangeStart(pair.value) ?? start, 'invalid YAML: a merge key << takes a mapping, an alias of one, or a list of those'));
          }
        }
        children.push(pair.key, pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) children.push(isPair(item) ? item.value : item);
    }
    // Pushed in reverse so they are popped, and anchors seen, in document order.
    for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i], exit: false });
  }
  return { problems: problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)), aliasTargets };
}

const MERGE_KEY = '<<';

/** A plain `<<` key: yaml (with `merge`) gives it the value Symbol('<<'); a quoted "<<" is a string. */
function isMergeKey(value: unknown): boolean {
  return typeof value === 'symbol' && value.description === MERGE_KEY;
}

/** What `<<` may merge; aliases resolve to the anchors seen so far, as they do in document order. */
function isMergeable(value: unknown, anchors: ReadonlyMap<string, YamlNode>): boolean {
  const resolve = (node: unknown) => (isAlias(node) ? anchors.get(node.source) : node);
  const target = resolve(value);
  if (isMap(target)) return true;
  // An alias to no anchor is reported as that.
  if (isAlias(value) && target === undefined) return true;
  return isSeq(target) && target.items.every((item) => isMap(resolve(item)) || (isAlias(item) && resolve(item) === undefined));
}

function rangeStart(node: unknown): number | undefined {
  return (node as { range?: [number, number, number] } | null)?.range?.[0];
}

/**
 * Throws when the data, with every alias expanded where it is used, holds more values or characters
 * than the limits: everything after this walks the data as a tree, so an anchor of a thousand values
 * used a thousand times is a million values to validate. (Free of cycles: `inspectNodes` refused them.)
 */
function measureDocument(data: unknown, file: string): void {
  const size = sizeOf(data);
  const tooLarge = (what: string) =>
    new ConfigError([{ file, line: null, path: '', message: `the config is too large with its YAML aliases expanded: more than ${what}` }]);
  if (size.values > MAX_DOCUMENT_VALUES) throw tooLarge(`${formatCount(MAX_DOCUMENT_VALUES)} values`);
  if (size.chars > MAX_DOCUMENT_CHARS) throw tooLarge(`${formatCount(MAX_DOCUMENT_CHARS)} characters`);
}

/** The line of the node at `path`: the key's line for a problem with the key, else the value's. */
function lineOf(located: Located, path: readonly PathSegment[], at: 'key' | 'value'): number | null {
  const { doc, lineCounter, aliasTargets, pairIndexes } = located;
  let node: unknown = doc.contents;
  let keyNode: unknown = null;
  let found = true;
  for (const segment of path) {
    if (isAlias(node)) node = aliasTargets.get(node) ?? null;
    if (isMap(node)) {
      const pair = pairsByKey(node, pairIndexes).get(String(segment));
      if (!pair) {
        found = false;
        break;
      }
      keyNode = pair.key;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
      keyNode = null;
      node = node.items[segment];
    } else {
      found = false;
      break;
    }
  }
  const start = (n: unknown): number | null => {
    const offset = rangeStart(n);
    return offset === undefined ? null : lineCounter.linePos(offset).line;
  };
  if (at === 'key' || !found) return start(keyNode) ?? start(node);
  return start(node) ?? start(keyNode);
}

type YamlPair = { key: unknown; value: unknown };

/** What `lineOf` needs of a parsed document; `pairIndexes` caches `pairsByKey` per mapping. */
interface Located {
  readonly doc: Document;
  readonly lineCounter: LineCounter;
  readonly aliasTargets: ReadonlyMap<Alias, YamlNode>;
  readonly pairIndexes: WeakMap<object, Map<string, YamlPair>>;
}

/** A mapping's pairs by key text, first occurrence winning, built once per mapping. */
function pairsByKey(map: { items: YamlPair[] }, pairIndexes: WeakMap<object, Map<string, YamlPair>>): Map<string, YamlPair> {
  let index = pairIndexes.get(map);
  if (!index) {
    index = new Map();
    for (const pair of map.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (!index.has(key)) index.set(key, pair);
    }
    pairIndexes.set(map, index);
  }
  return index;
}
