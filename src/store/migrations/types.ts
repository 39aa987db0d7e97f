export interface Migration {
  /** 1, 2, 3...: applied in this order, each once. */
  readonly version: number;
  readonly name: string;
  /** PostgreSQL statements, no parameters. Runs inside the migration transaction. */
  readonly sql: string;
}
