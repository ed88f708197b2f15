import type { ConnectionTest } from '../../../shared/contract/index.ts';

/** A Test connection report: each step with ✓, ✗ or –, what was found, and the fix. */
export function ConnectionTestReport({ report }: { report: ConnectionTest }) {
  const failedStep = report.steps.find((step) => !step.ok && !step.skipped);
  return (
    <section
      className={`connection-test ${report.ok ? 'passed' : 'failed'}`}
      aria-label="Test connection result"
    >
      <p className="connection-test-verdict" role="status">
        {report.ok
          ? `Every check passed (${report.target}).`
          : `${failedStep ? `${failedStep.label} failed` : 'A check failed'} (${report.target}).`}{' '}
        <span className="muted connection-test-when">
          {new Date(report.finishedAt).toLocaleTimeString('en-GB', { hour12: false })}, took{' '}
          {Math.max(1, report.finishedAt - report.startedAt)} ms
        </span>
      </p>
      <ol className="connection-steps">
        {report.steps.map((step) => {
          const mark = step.skipped ? '–' : step.ok ? '✓' : '✗';
          const tone = step.skipped ? 'skipped' : step.ok ? (step.fix ? 'warn' : 'passed') : 'failed';
          return (
            <li key={step.step} className={`connection-step step-${tone}`} data-step={step.step}>
              <span className="mark" aria-hidden="true">
                {mark}
              </span>
              <div>
                <strong>{step.label}</strong>
                <span className="sr-only">
                  {step.skipped ? ' not tried' : step.ok ? ' passed' : ' failed'}
                </span>
                <div className="step-detail">{step.detail}</div>
                {step.fix ? <div className="fix">Fix: {step.fix}</div> : null}
              </div>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
