import ts from "typescript";

/**
 * Who may call each method of an API route file, read from its source: the `auth` given to
 * `route()` (lib/http/route.ts). Read as text, since importing a route module outside Next.js
 * would pull in server-only modules and Next internals.
 */
export const httpMethods = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/** What a method gets when its file does not say, in a form this reader knows, who may call it. */
export const unreadable = "no route({ auth }) declaration";

const isMethod = (name: string) => (httpMethods as readonly string[]).includes(name);
const calleeOf = (node: ts.Node | undefined) =>
  node && ts.isCallExpression(node) && ts.isIdentifier(node.expression) ? node.expression.text : undefined;
const nameOf = (name: ts.PropertyName | ts.BindingName | undefined) =>
  name && (ts.isIdentifier(name) || ts.isStringLiteral(name)) ? name.text : undefined;

/** `route({ auth: "…" }, handler)`: the value of `auth`, when it is a literal. */
function routeAccess(node: ts.Node | undefined): string | undefined {
  if (calleeOf(node) !== "route") return undefined;
  const [options] = (node as ts.CallExpression).arguments;
  if (!options || !ts.isObjectLiteralExpression(options)) return undefined;
  const auth = options.properties.find((p) => nameOf(p.name) === "auth");
  return auth && ts.isPropertyAssignment(auth) && ts.isStringLiteralLike(auth.initializer)
    ? auth.initializer.text
    : undefined;
}

/**
 * Every method a route file has, as "METHOD file", with the access it declares (or `unreadable`).
 * `export const { GET, … } = methods({ GET: route(…), … })` has the methods given to `methods()`
 * (the rest answer 405); `export const GET = route(…)` has GET. Any other export of a method name
 * (a function, a re-export, a handler built some other way) is a method with no declaration.
 */
export function declaredAccess(file: string, source: string): [string, string][] {
  const parsed = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: [string, string][] = [];
  const declare = (method: string, access: string | undefined) =>
    found.push([`${method} ${file}`, access ?? unreadable]);

  for (const statement of parsed.statements) {
    const exported =
      ts.canHaveModifiers(statement) &&
      !!ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (exported && ts.isFunctionDeclaration(statement) && statement.name && isMethod(statement.name.text))
      declare(statement.name.text, undefined);
    if (exported && ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) {
        if (ts.isIdentifier(d.name)) {
          if (isMethod(d.name.text)) declare(d.name.text, routeAccess(d.initializer));
        } else if (ts.isObjectBindingPattern(d.name)) {
          const [handlers] =
            calleeOf(d.initializer) === "methods" ? (d.initializer as ts.CallExpression).arguments : [];
          if (handlers && ts.isObjectLiteralExpression(handlers)) {
            for (const property of handlers.properties)
              declare(
                nameOf(property.name) ?? property.getText(),
                ts.isPropertyAssignment(property) ? routeAccess(property.initializer) : undefined,
              );
          } else {
            for (const element of d.name.elements) {
              const name = nameOf(element.propertyName ?? element.name);
              if (name && isMethod(name)) declare(name, undefined);
            }
          }
        } else {
          for (const element of d.name.elements) {
            if (ts.isBindingElement(element) && nameOf(element.name) && isMethod(nameOf(element.name)!))
              declare(nameOf(element.name)!, undefined);
          }
        }
      }
    }
    // `export * from …`: whatever it brings, this file does not say who may call it.
    if (ts.isExportDeclaration(statement) && (!statement.exportClause || ts.isNamespaceExport(statement.exportClause)))
      declare(statement.getText(), undefined);
    if (ts.isExportDeclaration(statement) && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
      for (const specifier of statement.exportClause.elements) {
        if (!isMethod(specifier.name.text)) continue;
        declare(specifier.name.text, undefined);
      }
    }
  }
  return found;
}
