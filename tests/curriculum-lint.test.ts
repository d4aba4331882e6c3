/**
 * Static checks of the solution notebooks' code that the tslab kernel would only reveal at run time.
 *
 * tslab turns every top-level declaration of a cell into a property of a shared module object,
 * but does not rewrite object-literal shorthand: `{ seed }` with a top-level `seed` fails with
 * "ReferenceError: seed is not defined" (tslab 1.0.22). Notebooks must write `{ seed: seed }`.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { cellText, parseNotebook } from '../src/tools/notebook-file';
import { listSolutionNotebooks } from '../src/tools/students/sync';

const ROOT = path.resolve(__dirname, '..');

/** Names declared at the top level of a cell (variables, functions, classes, imports). */
function topLevelNames(source: ts.SourceFile): string[] {
  const names: string[] = [];
  const addBinding = (name: ts.BindingName): void => {
    if (ts.isIdentifier(name)) names.push(name.text);
    else for (const element of name.elements) if (!ts.isOmittedExpression(element)) addBinding(element.name);
  };
  for (const statement of source.statements) {
    if (ts.isVariableStatement(statement)) statement.declarationList.declarations.forEach((d) => addBinding(d.name));
    else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name) names.push(statement.name.text);
    else if (ts.isImportDeclaration(statement) && statement.importClause) {
      const clause = statement.importClause;
      if (clause.name) names.push(clause.name.text);
      const bindings = clause.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) names.push(bindings.name.text);
      if (bindings && ts.isNamedImports(bindings)) bindings.elements.forEach((e) => names.push(e.name.text));
    }
  }
  return names;
}

/** Shorthand properties `{ name }` whose name is a top-level declaration of the notebook. */
function shorthandUses(source: ts.SourceFile, topLevel: ReadonlySet<string>): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isShorthandPropertyAssignment(node) && topLevel.has(node.name.text)) {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
      found.push(`line ${line + 1}: { ${node.name.text} } (write { ${node.name.text}: ${node.name.text} })`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('solution notebooks avoid tslab pitfalls', () => {
  const notebooks = listSolutionNotebooks(ROOT);
  (notebooks.length > 0 ? test.each(notebooks) : test.skip.each(['(none)']))('%s uses no object shorthand for top-level names', (rel) => {
    const nb = parseNotebook(fs.readFileSync(path.join(ROOT, rel), 'utf8'), rel);
    const cells = nb.cells
      .map((cell, i) => ({ i, cell }))
      .filter(({ cell }) => cell.cell_type === 'code')
      .map(({ i, cell }) => ({ i, source: ts.createSourceFile(`cell${i + 1}.ts`, cellText(cell), ts.ScriptTarget.ES2022, true) }));
    const topLevel = new Set(cells.flatMap(({ source }) => topLevelNames(source)));
    const problems = cells.flatMap(({ i, source }) => shorthandUses(source, topLevel).map((p) => `cell ${i + 1}, ${p}`));
    expect(problems).toEqual([]);
  });
});
