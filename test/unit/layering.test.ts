// The layering rules of docs/ARCHITECTURE (protocol layers never point back up, only the CLI chooses exit
// codes, no import cycles), checked over every import of src/**/*.ts: static, type-only, re-exports and
// dynamic import('...'). Type-only imports count too: a cycle of types is still a design cycle.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Module specifiers of `import ... from`, `export ... from`, side-effect `import '...'` and `import('...')`. */
export function importSpecifiers(text: string): string[] {
  const withoutComments = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  return patterns.flatMap((pattern) => [...withoutComments.matchAll(pattern)].map((m) => m[1]!));
}

/** src-relative module path ('qmi/device.ts') of every relative import of `file`; packages are skipped. */
function localImports(file: string): string[] {
  return importSpecifiers(readFileSync(file, 'utf8'))
    .filter((s) => s.startsWith('.'))
    .map((s) => relative(SRC, resolve(dirname(file), s.replace(/\.js$/, '.ts'))));
}

const graph = new Map(sourceFiles(SRC).map((file) => [relative(SRC, file), localImports(file)]));

function layer(module: string): string {
  return module.includes('/') ? module.slice(0, module.indexOf('/')) : module;
}

function violations(from: readonly string[], to: readonly string[]): string[] {
  return [...graph].flatMap(([module, imports]) =>
    from.includes(layer(module)) ? imports.filter((i) => to.includes(layer(i))).map((i) => `${module} -> ${i}`) : [],
  );
}

/** Every cycle, as the path that closes it (Tarjan's strongly connected components). */
function cycles(): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (module: string): void => {
    indices.set(module, index);
    low.set(module, index++);
    stack.push(module);
    onStack.add(module);
    for (const next of graph.get(module) ?? []) {
      if (!graph.has(next)) continue;
      if (!indices.has(next)) {
        visit(next);
        low.set(module, Math.min(low.get(module)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(module, Math.min(low.get(module)!, indices.get(next)!));
      }
    }
    if (low.get(module) === indices.get(module)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== module);
      if (component.length > 1 || graph.get(module)!.includes(module)) components.push(component.sort());
    }
  };
  for (const module of graph.keys()) if (!indices.has(module)) visit(module);
  return components;
}

describe('layering', () => {
  it('reads every kind of import', () => {
    const text = [
      "import { a } from './a.js';",
      "import type { B } from '../b.js';",
      "export { c } from './c.js';",
      "export * from './d.js';",
      "import './e.js';",
      "const { f } = await import('./f.js');",
      "import {\n  g,\n  type H,\n} from './g.js';",
      "// import { no } from './comment.js';",
    ].join('\n');
    expect(importSpecifiers(text).sort()).toEqual(['../b.js', './a.js', './c.js', './d.js', './e.js', './f.js', './g.js']);
  });

  it('resolves every relative import to a file of src/', () => {
    const missing = [...graph].flatMap(([module, imports]) => imports.filter((i) => !graph.has(i)).map((i) => `${module} -> ${i}`));
    expect(missing).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(cycles()).toEqual([]);
  });

  it('keeps qmi/ free of the services and layers above it', () => {
    expect(violations(['qmi'], ['dms', 'nas', 'uim', 'wda', 'wds', 'session', 'cli', 'datapath', 'modem', 'metrics', 'capture', 'services.ts'])).toEqual([]);
  });

  it('keeps netlink/, sysfs/, qmi/ and qmap/ below session/, datapath/, wda/, wds/ and cli/', () => {
    expect(violations(['netlink', 'sysfs', 'qmi', 'qmap'], ['session', 'datapath', 'dms', 'nas', 'uim', 'wda', 'wds', 'cli', 'modem', 'metrics', 'capture', 'services.ts'])).toEqual([]);
  });

  it('lets only cli/ choose exit codes', () => {
    const users = [...graph].flatMap(([module, imports]) =>
      layer(module) !== 'cli' && imports.includes('cli/exit-codes.ts') ? [module] : [],
    );
    const named = [...graph.keys()].filter((module) => layer(module) !== 'cli' && /\bExitCode\b/.test(readFileSync(join(SRC, module), 'utf8')));
    expect([...users, ...named]).toEqual([]);
  });

  it('keeps cli/ out of every other layer', () => {
    expect(violations([...new Set([...graph.keys()].map(layer))].filter((l) => l !== 'cli'), ['cli'])).toEqual([]);
  });
});
