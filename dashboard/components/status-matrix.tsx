import { useComputed, useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import type { FilterModel } from '../models/filter.js';
import { isFiltering, sliceWithPinned, visibleWindow, type MatrixItem } from '../models/matrix.js';
import type { MatrixModel } from '../models/matrix-model.js';
import type { SelectionModel } from '../models/selection.js';
import { FoldLine, MatrixRowView } from './matrix-row.js';

/** Height of a compact row plus the table's border spacing; the CSS (.matrix--compact) draws rows this tall. */
const ROW_PITCH_PX = 60;
const ROW_GAP_PX = 8;
/** The sticky head above the rows, for the window's arithmetic; overscan absorbs a few pixels either way. */
const HEAD_PX = 36;
/** Rows rendered beyond each edge of the viewport, so a scroll shows rows, not blank space, for a frame. */
const OVERSCAN_ROWS = 6;
/** The viewport height assumed before it is measured: the first render fills a tall wall screen. */
const FIRST_VIEWPORT_PX = 1100;

export interface StatusMatrixProps {
  readonly matrix: MatrixModel;
  readonly selection: SelectionModel;
  readonly filter: FilterModel;
}

/** Services × environments (config order): every row for a handful of services, else problems first with healthy folded. */
export function StatusMatrix(props: StatusMatrixProps) {
  const items = props.matrix.items.value;
  if (items.length === 0 && props.matrix.services.value.length > 0) return <NoMatch filter={props.filter} />;
  return props.matrix.layout.value === 'full' ? <FullMatrix {...props} /> : <FoldedMatrix {...props} />;
}

function MatrixHead({ environments }: { environments: readonly string[] }) {
  return (
    <thead>
      <tr>
        <th scope="col" class="matrix__corner">
          Service
        </th>
        {environments.map((env) => (
          <th scope="col" class="matrix__env" key={env} data-env={env}>
            {env}
          </th>
        ))}
      </tr>
    </thead>
  );
}

function FullMatrix({ matrix, selection }: StatusMatrixProps) {
  const environments = matrix.environments.value;
  const selected = selection.service.value;
  return (
    <table class="matrix" data-testid="status-matrix" data-layout="full">
      <MatrixHead environments={environments} />
      <tbody>
        {matrix.items.value.map((item) =>
          item.kind === 'row' ? (
            <MatrixRowView
              key={item.service}
              row={matrix.row(item.service)}
              incidents={matrix.cellIncidents}
              environments={environments}
              selected={item.service === selected}
              onSelect={selection.select}
            />
          ) : null,
        )}
      </tbody>
    </table>
  );
}

/**
 * The matrix at scale: a scrolling viewport of equal-height rows of which only those in view (and a few
 * either side) are in the DOM; spacer rows stand for the rest so the scrollbar keeps its true length.
 */
function FoldedMatrix({ matrix, selection, filter }: StatusMatrixProps) {
  const viewportRef = useRef<HTMLDivElement>(null);
  const scrollTop = useSignal(0);
  const viewportHeight = useSignal(FIRST_VIEWPORT_PX);
  const items = matrix.items.value;
  const itemCount = useComputed(() => matrix.items.value.length);
  const range = useComputed(() =>
    visibleWindow({
      scrollTop: scrollTop.value - HEAD_PX,
      viewportHeight: viewportHeight.value,
      itemPitch: ROW_PITCH_PX,
      itemCount: itemCount.value,
      overscan: OVERSCAN_ROWS,
    }),
  );
  // Numbers, so that a scroll within the same rows re-renders nothing.
  const start = useComputed(() => range.value.start).value;
  const end = useComputed(() => range.value.end).value;

  useEffect(() => {
    // The observer reports the size once layout has run anyway (reading clientHeight here would force a
    // layout of the whole page in the middle of the first render: 60+ ms measured at 2,000 services).
    const observer = new ResizeObserver((entries) => {
      const height = entries[0]?.contentRect.height;
      if (height !== undefined && height > 0) viewportHeight.value = height;
    });
    observer.observe(viewportRef.current!);
    return () => observer.disconnect();
  }, []);

  const { text, status } = filter.filter.value;
  useEffect(() => {
    // A new filter shows its first rows, not the middle of a list that is no longer there.
    const viewport = viewportRef.current!;
    viewport.scrollTop = 0;
    scrollTop.value = 0;
  }, [text, status]);

  const environments = matrix.environments.value;
  const selected = selection.service.value;
  const columns = environments.length + 1;
  // The fold line is always rendered, held at the viewport's edge when out of view: the count of
  // healthy services stays on screen whatever the number of problems above it.
  const slice = sliceWithPinned({ start, end }, items.length, items.findIndex((item) => item.kind === 'fold'));
  return (
    <div
      class="matrix-viewport"
      ref={viewportRef}
      data-testid="matrix-viewport"
      onScroll={(event) => {
        scrollTop.value = event.currentTarget.scrollTop;
      }}
    >
      <table class="matrix matrix--compact" data-testid="status-matrix" data-layout="folded" data-items={items.length}>
        <MatrixHead environments={environments} />
        <tbody>
          {slice.before > 0 && <SpacerRow key="\u0000before" rows={slice.before} columns={columns} />}
          {slice.indices.map((index) => {
            const item = items[index]!;
            return <MatrixLine key={item.kind === 'row' ? item.service : '\u0000fold'} item={item} {...{ matrix, selection, filter, environments, selected, columns }} />;
          })}
          {slice.after > 0 && <SpacerRow key="\u0000after" rows={slice.after} columns={columns} />}
        </tbody>
      </table>
    </div>
  );
}

interface MatrixLineProps extends StatusMatrixProps {
  readonly item: MatrixItem;
  readonly environments: readonly string[];
  readonly selected: string | null;
  readonly columns: number;
}

function MatrixLine({ item, matrix, selection, filter, environments, selected, columns }: MatrixLineProps) {
  if (item.kind === 'fold') return <FoldLine count={item.count} expanded={item.expanded} columns={columns} onToggle={filter.setShowHealthy} />;
  return (
    <MatrixRowView row={matrix.row(item.service)} incidents={matrix.cellIncidents} environments={environments} selected={item.service === selected} onSelect={selection.select} />
  );
}

/** Stands for `rows` rows that are out of view; the table adds one gap of border spacing around it itself. */
function SpacerRow({ rows, columns }: { rows: number; columns: number }) {
  return (
    <tr class="matrix__spacer" aria-hidden="true">
      <td colSpan={columns} style={{ height: `${rows * ROW_PITCH_PX - ROW_GAP_PX}px` }} />
    </tr>
  );
}

function NoMatch({ filter }: { filter: FilterModel }) {
  const current = filter.filter.value;
  return (
    <div class="matrix-empty" data-testid="matrix-empty">
      <p>
        No service matches {current.text.trim() && <strong>“{current.text.trim()}”</strong>}
        {current.status !== 'all' && <> with status {current.status}</>}.
      </p>
      {isFiltering(current) && (
        <button type="button" class="filter__clear" onClick={filter.clear}>
          Clear the filter
        </button>
      )}
    </div>
  );
}

