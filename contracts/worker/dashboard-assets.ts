/**
 * Where the dashboard's browser code and stylesheet are served: as the Worker's static assets,
 * which infra/worker-assets.ts builds and the Pulumi program uploads beside the script, so that
 * the Worker itself serves only the page that names them.
 */
export const DASHBOARD_SCRIPT_PATH = "/dashboard/app.js";
export const DASHBOARD_STYLE_PATH = "/dashboard/app.css";
