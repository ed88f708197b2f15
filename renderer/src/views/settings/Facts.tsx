import type { SettingFact } from '../../../../shared/contract/index.ts';

/** Settings as the engine runs them, label and value (hover: where it is in the site file). */
export function Facts({ facts }: { facts: readonly SettingFact[] }) {
  return (
    <dl className="facts settings-facts">
      {facts.map((fact) => (
        <div
          key={fact.label}
          className="fact"
          title={fact.path ? `${fact.path} in the site file` : undefined}
        >
          <dt>{fact.label}</dt>
          <dd>{fact.value}</dd>
        </div>
      ))}
    </dl>
  );
}
