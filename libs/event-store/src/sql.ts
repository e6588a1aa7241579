const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Schema and table names are interpolated into SQL, so they must be plain lower-case identifiers. */
export function assertIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`Invalid SQL identifier: ${JSON.stringify(name)}`);
  return name;
}

export function qualified(schema: string, table: string): string {
  return `"${assertIdentifier(schema)}"."${assertIdentifier(table)}"`;
}
