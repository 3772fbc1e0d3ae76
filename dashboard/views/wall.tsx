import type { IncidentJson } from '../../api/types.js';
import type { SloStatus } from '../../rules/types.js';
import { BudgetBar } from '../components/budget-bar.js';
import { SeverityBadge } from '../components/severity-badge.js';
import { STATUS_PRESENTATION } from '../components/status-badge.js';
import { useNow } from '../components/use-now.js';
import { formatAge, formatClock, formatCount } from '../format.js';
import { formatRatio } from '../models/slos.js';
import type { WallModel, WallTile, WallTiles } from '../models/wall.js';
import type { ViewProps } from './overview.js';

/** What fits on a 1080-line screen without scrolling, at a size read from across the room. */
// What fits a 1080p side column in type read from across a room: the counts above say the rest.
const WALL_INCIDENTS = 3;
const WALL_SLOS = 3;

/** `#/wall`: the SRE wall for a TV. Read-only, refreshed on its own, no header, no scrolling. */
export function WallView({ models }: ViewProps) {
  return (
    <main class="wall" data-testid="wall">
      <WallBar models={models} />
      <section class="wall__tiles" aria-label="Status">
        <Tiles wall={models.wall} />
      </section>
      <div class="wall__side">
        <WallIncidents wall={models.wall} now={models.now} />
        <WallSlos wall={models.wall} />
      </div>
    </main>
  );
}

function WallBar({ models }: ViewProps) {
  const current = useNow(models.now);
  const receivedAt = models.status.receivedAt.value;
  const error = models.wall.error.value;
  return (
    <header class="wall__bar">
      <span class="wall__brand">
        <span class="header__logo" aria-hidden="true" />
        Vigil
      </span>
      <span class={error ? 'wall__updated wall__updated--stale' : 'wall__updated'} data-testid="wall-updated">
        {error ? `⚠ Stale: ${error}` : receivedAt === null ? 'Connecting…' : current - receivedAt < 1000 ? 'Updated just now' : `Updated ${formatAge(current - receivedAt)} ago`}
      </span>
      <time class="wall__clock">{formatClock(current)}</time>
    </header>
  );
}

function Tiles({ wall }: { wall: WallModel }) {
  const layout = wall.tiles.value;
  if (layout === null) return <p class="wall__empty">Waiting for status…</p>;
  return layout.mode === 'matrix' ? <MatrixTiles layout={layout} /> : <ProblemTiles layout={layout} />;
}

function MatrixTiles({ layout }: { layout: WallTiles }) {
  const environments = layout.tiles.slice(0, layout.columns).map((tile) => (tile.kind === 'cell' ? tile.env : ''));
  const rows: WallTile[][] = [];
  for (let i = 0; i < layout.tiles.length; i += layout.columns) rows.push(layout.tiles.slice(i, i + layout.columns));
  return (
    <div class="wall-grid wall-grid--matrix" style={{ '--cols': layout.columns, '--rows': layout.rows }} data-testid="wall-tiles">
      <span />
      {environments.map((env) => (
        <span key={env} class="wall-grid__env">
          {env}
        </span>
      ))}
      {rows.map((row) => {
        const service = row[0]?.kind === 'cell' ? row[0].service : '';
        return [
          <span key={`${service}-name`} class="wall-grid__service">
            {service}
          </span>,
          ...row.map((tile) => <Tile key={tileKey(tile)} tile={tile} showWhere={false} />),
        ];
      })}
    </div>
  );
}

function ProblemTiles({ layout }: { layout: WallTiles }) {
  return (
    <div class="wall-grid wall-grid--problems" style={{ '--cols': layout.columns, '--rows': layout.rows }} data-testid="wall-tiles">
      {layout.tiles.map((tile) => (
        <Tile key={tileKey(tile)} tile={tile} showWhere />
      ))}
    </div>
  );
}

function tileKey(tile: WallTile): string {
  return tile.kind === 'cell' ? `${tile.env}/${tile.service}` : tile.kind === 'healthy' ? `healthy/${tile.env}` : 'more';
}

function Tile({ tile, showWhere }: { tile: WallTile; showWhere: boolean }) {
  if (tile.kind === 'healthy') {
    return (
      <div class="tile tile--up tile--folded" data-status="up">
        <span class="tile__status">✓ {formatCount(tile.count)} up</span>
        <span class="tile__where">{tile.env}</span>
      </div>
    );
  }
  if (tile.kind === 'more') {
    return (
      <div class="tile tile--more">
        <span class="tile__status">+{formatCount(tile.count)} more</span>
        <span class="tile__where">failing</span>
      </div>
    );
  }
  const { icon, label } = STATUS_PRESENTATION[tile.status];
  return (
    <div class={`tile tile--${tile.status}`} data-status={tile.status} data-env={tile.env} data-service={tile.service}>
      {showWhere ? (
        <span class="tile__where">
          {tile.service} <span class="tile__env">{tile.env}</span>
        </span>
      ) : null}
      <span class="tile__status">
        <span class="tile__icon" aria-hidden="true">
          {icon}
        </span>
        {label}
      </span>
      {tile.reason ? <span class="tile__reason">{tile.reason}</span> : null}
    </div>
  );
}

function WallIncidents({ wall, now }: { wall: WallModel; now: () => number }) {
  const incidents = wall.incidents.value;
  const counts = wall.counts.value;
  const current = useNow(now, 5_000);
  return (
    <section class="wall-panel" aria-label="Open incidents" data-testid="wall-incidents">
      <h2 class="wall-panel__title">Open incidents</h2>
      {counts ? (
        <div class="wall-counts">
          {(['page', 'ticket', 'info'] as const).map((severity) => (
            <div key={severity} class={`wall-count wall-count--${severity} ${counts[severity] === 0 ? 'wall-count--zero' : ''}`} data-count={severity}>
              <span class="wall-count__n">{counts[severity]}</span>
              <span class="wall-count__label">{severity}</span>
            </div>
          ))}
        </div>
      ) : null}
      {incidents === null ? null : incidents.length === 0 ? (
        <p class="wall__clear">✓ No open incidents</p>
      ) : (
        <ul class="wall-incidents">
          {incidents.slice(0, WALL_INCIDENTS).map((incident) => (
            <WallIncident key={incident.id} incident={incident} age={current - incident.openedAt} />
          ))}
          {incidents.length > WALL_INCIDENTS ? <li class="wall-incidents__more">+{incidents.length - WALL_INCIDENTS} more</li> : null}
        </ul>
      )}
    </section>
  );
}

function WallIncident({ incident, age }: { incident: IncidentJson; age: number }) {
  return (
    <li class={`wall-incident wall-incident--${incident.state}`} data-state={incident.state}>
      <SeverityBadge severity={incident.severity} />
      <span class="wall-incident__summary">{incident.summary}</span>
      <span class="wall-incident__meta">
        {[incident.env, incident.service].filter((part) => part !== null).join(' / ')} · {formatAge(Math.max(0, age))}
        {incident.state === 'acknowledged' ? ` · ack ${incident.acknowledgedBy ?? ''}` : ''}
      </span>
    </li>
  );
}

function WallSlos({ wall }: { wall: WallModel }) {
  const slos = wall.slos.value;
  if (slos === null || slos.length === 0) return null;
  return (
    <section class="wall-panel" aria-label="SLOs" data-testid="wall-slos">
      <h2 class="wall-panel__title">Error budget</h2>
      <ul class="wall-slos">
        {slos.slice(0, WALL_SLOS).map((slo) => (
          <WallSlo key={slo.id} slo={slo} />
        ))}
      </ul>
      {slos.length > WALL_SLOS ? <p class="wall-incidents__more">+{slos.length - WALL_SLOS} SLOs with more budget</p> : null}
    </section>
  );
}

function WallSlo({ slo }: { slo: SloStatus }) {
  return (
    <li class="wall-slo">
      <span class="wall-slo__name">
        {slo.service} <span class="tile__env">{slo.env}</span> {slo.sli} <span class="wall-slo__sli">{formatRatio(slo.sliValue)}</span>
      </span>
      <BudgetBar remaining={slo.errorBudgetRemaining} size="wall" />
    </li>
  );
}
