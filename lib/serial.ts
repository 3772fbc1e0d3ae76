/**
 * Runs async tasks one at a time in the order they were queued: the guard of a resource that must not
 * see two users at once (the SQLite writer connection while a transaction awaits between statements).
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => T | Promise<T>): Promise<T> {
    const result = this.#tail.then(task);
    // The queue goes on after a failed task; the caller sees the failure through `result`.
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
