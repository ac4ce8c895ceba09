// LogsPage (to be built).
export default function LogsPage(_props: { selected?: string | null }) {
  return <h1>LogsPage</h1>;
}
