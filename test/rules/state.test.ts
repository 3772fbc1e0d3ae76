import { describe, expect, it } from 'vitest';
import { INACTIVE, transition, type Condition, type InstanceState, type Transition } from '../../rules/state.js';
import { parseSeries, parseStates } from './series.js';

const MINUTE = 60_000;

/** Steps a series (one value a minute) through the machine: above 30 breaches, below `recover` recovers. */
function run(series: string, timing: { forMs: number; keepFiringForMs: number }, recover = 30) {
  let state: InstanceState = INACTIVE;
  const states: string[] = [];
  const transitions: Transition[] = [];
  parseSeries(series).forEach((value, i) => {
    const condition: Condition =
      value === null ? { active: false, value: null } : { active: value > 30, value, recovered: value < recover };
    const step = transition(state, condition, timing, i * MINUTE);
    state = step.next;
    states.push(state.state);
    transitions.push(step.transition);
  });
  return { states, transitions, fired: transitions.filter((t) => t === 'fired').length, last: state };
}

describe('alert state machine', () => {
  it.each([
    { name: 'for: 0 fires at the first breach', series: '0 40 40 0', forM: 0, keepM: 0, states: 'i f f i' },
    { name: 'fires once the condition has held exactly `for`', series: '0 40 40 40 40', forM: 2, keepM: 0, states: 'i p p f f' },
    { name: 'a breach shorter than `for` goes back to inactive', series: '40 40 0 40 40 40', forM: 2, keepM: 0, states: 'p p i p p f' },
    { name: 'a gap in the data clears pending', series: '40 _ 40 40 40', forM: 2, keepM: 0, states: 'p i p p f' },
    { name: 'resolves at the first non-breach without keep_firing_for', series: '40 40 0 0', forM: 0, keepM: 0, states: 'f f i i' },
    { name: 'keep_firing_for holds firing for that long after the last breach', series: '40 0 0 0 0', forM: 0, keepM: 2, states: 'f f f i i' },
    { name: 'a breach inside keep_firing_for restarts it', series: '40 0 40 0 0 0', forM: 0, keepM: 2, states: 'f f f f f i' },
    { name: 'keep_firing_for does not apply to pending', series: '40 0 40', forM: 5, keepM: 10, states: 'p i p' },
  ])('$name', ({ series, forM, keepM, states }) => {
    expect(run(series, { forMs: forM * MINUTE, keepFiringForMs: keepM * MINUTE }).states).toEqual(parseStates(states));
  });

  it.each([
    { name: 'stays firing while the value sits between recover and the threshold', series: '40 20 20 5 20', states: 'f f f i i' },
    { name: 'resolves once past recover', series: '40 9 40', states: 'f i f' },
    { name: 'hysteresis does not hold a pending instance', series: '40 20 40', forM: 1, states: 'p i p' },
  ])('recovery threshold: $name', ({ series, states, forM = 0 }) => {
    expect(run(series, { forMs: forM * MINUTE, keepFiringForMs: 0 }, 10).states).toEqual(parseStates(states));
  });

  it('keep_firing_for counts from when the value recovered, not from when it left the threshold', () => {
    expect(run('40 20 20 5 5 5', { forMs: 0, keepFiringForMs: 2 * MINUTE }, 10).states).toEqual(parseStates('f f f f f i'));
  });

  it('fires once for a flapping input with keep_firing_for', () => {
    const result = run('0 40 0 40 0 40 0 40 0 0 0', { forMs: 0, keepFiringForMs: 2 * MINUTE });
    expect(result.fired).toBe(1);
    expect(result.transitions.filter((t) => t === 'resolved')).toHaveLength(1);
  });

  it('never fires for a flapping input shorter than `for`', () => {
    expect(run('40 0 40 0 40 0 40', { forMs: 2 * MINUTE, keepFiringForMs: 0 }).fired).toBe(0);
  });

  it('counts `for` from when the data showed the breach, not from the evaluation that saw it', () => {
    const pending = transition(INACTIVE, { active: true, value: 40, since: 1_000 }, { forMs: 10_000, keepFiringForMs: 0 }, 5_000);
    expect(pending.next).toMatchObject({ state: 'pending', activeSince: 1_000 });
    const fired = transition(pending.next, { active: true, value: 41 }, { forMs: 10_000, keepFiringForMs: 0 }, 11_000);
    expect(fired).toMatchObject({ transition: 'fired', next: { state: 'firing', activeSince: 1_000, firingSince: 11_000, value: 41 } });
  });

  it('says what changed', () => {
    expect(run('40 40 40 0 40 0', { forMs: MINUTE, keepFiringForMs: 0 }).transitions).toEqual(['pending', 'fired', null, 'resolved', 'pending', 'cleared']);
  });
});
