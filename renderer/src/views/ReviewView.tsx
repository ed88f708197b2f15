import { useState } from 'react';
import { AgreementChart } from '../review/AgreementChart.tsx';
import { ReviewItems } from './review/ReviewItems.tsx';
import { SyncBadge } from './review/SyncBadge.tsx';
import '../review/review.css';

/**
 * Reviewing the model's predictions: keyboard first, every change (corrections and held decisions)
 * saved at once in the outbox. The parts live in views/review/.
 */
export function ReviewView() {
  const [tab, setTab] = useState<'items' | 'agreement'>('items');
  return (
    <main className="view review" aria-labelledby="review-title">
      <header className="view-head">
        <h2 id="review-title">Review</h2>
        <div className="tabs small" role="tablist">
          <button
            type="button"
            role="tab"
            aria-selected={tab === 'items'}
            className={tab === 'items' ? 'tab active' : 'tab'}
            onClick={() => setTab('items')}
          >
            Items
          </button>
          <button
            type="button"
            role="tab"
            aria-selected={tab === 'agreement'}
            className={tab === 'agreement' ? 'tab active' : 'tab'}
            onClick={() => setTab('agreement')}
          >
            Agreement
          </button>
        </div>
        <SyncBadge />
      </header>
      {tab === 'items' ? <ReviewItems /> : <AgreementChart />}
    </main>
  );
}
