// An explicit map of named implementations (probe kinds now; receivers and aggregates later).

/** Something a registry holds: it names itself. */
export interface Named {
  readonly kind: string;
}

/** The explicit map of implementations by kind; registering a kind twice is a bug and throws. */
export class Registry<T extends Named> {
  readonly #items = new Map<string, T>();

  /** `what` names the items in errors: "probe kind", "receiver kind". */
  constructor(
    readonly what: string,
    items: readonly T[] = [],
  ) {
    for (const item of items) this.register(item);
  }

  register(item: T): this {
    if (this.#items.has(item.kind)) throw new Error(`${this.what} "${item.kind}" is registered twice`);
    this.#items.set(item.kind, item);
    return this;
  }

  /** The item of `kind`; throws naming the known kinds when there is none. */
  get(kind: string): T {
    const item = this.#items.get(kind);
    if (!item) throw new Error(`no ${this.what} "${kind}" (known: ${this.kinds().join(', ')})`);
    return item;
  }

  has(kind: string): boolean {
    return this.#items.has(kind);
  }

  kinds(): string[] {
    return [...this.#items.keys()];
  }
}
