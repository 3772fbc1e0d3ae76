// The incident, postmortem, SLO, silence and wall views with their styles: one chunk, loaded the first
// time one of them is opened, so the overview's first render does not wait for them.
import '../incidents.css';
import '../wall.css';

export { IncidentDetailView } from './incident-detail.js';
export { IncidentsView } from './incidents.js';
export { PostmortemEditorView } from './postmortem-editor.js';
export { PostmortemsView } from './postmortems.js';
export { ReportDetailView } from './report-detail.js';
export { ReportsView } from './reports.js';
export { SilencesView } from './silences.js';
export { SlosView } from './slos.js';
export { WallView } from './wall.js';
