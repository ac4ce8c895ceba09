// SettingsPage (to be built).
export default function SettingsPage(_props: { selected?: string | null }) {
  return <h1>SettingsPage</h1>;
}
