/**
 * A map that holds its first entry in two fields and makes a `Map` only for a second key. For maps of
 * which thousands are alive and nearly all hold one entry (a rule's instances: a check_down rule has
 * only its check's): at 40,000 checks, one-entry `Map`s were 80,000 heap objects (each `Map` and its
 * hash table) that V8's full GC marked on the event loop every few seconds. Once grown, it stays a `Map`.
 */
export class SmallMap<K, V> {
  #key: K | undefined = undefined;
  #value: V | undefined = undefined;
  #has = false;
  #map: Map<K, V> | null = null;

  get size(): number {
    return this.#map?.size ?? (this.#has ? 1 : 0);
  }

  get(key: K): V | undefined {
    if (this.#map !== null) return this.#map.get(key);
    return this.#has && this.#key === key ? this.#value : undefined;
  }

  set(key: K, value: V): void {
    if (this.#map !== null) this.#map.set(key, value);
    else if (!this.#has || this.#key === key) {
      this.#key = key;
      this.#value = value;
      this.#has = true;
    } else {
      this.#map = new Map([[this.#key as K, this.#value as V], [key, value]]);
      this.#clearFirst();
    }
  }

  delete(key: K): boolean {
    if (this.#map !== null) return this.#map.delete(key);
    if (!this.#has || this.#key !== key) return false;
    this.#clearFirst();
    return true;
  }

  /** The values in insertion order, as a new array (the caller may change the map while it walks them). */
  values(): V[] {
    if (this.#map !== null) return [...this.#map.values()];
    return this.#has ? [this.#value as V] : [];
  }

  #clearFirst(): void {
    this.#key = undefined;
    this.#value = undefined;
    this.#has = false;
  }
}
