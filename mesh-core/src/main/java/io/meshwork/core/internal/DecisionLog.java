package io.meshwork.core.internal;

import io.meshwork.core.CircuitState;
import io.meshwork.core.MeshEventListener;
import io.meshwork.core.MeshException;
import io.meshwork.core.Outcome;
import io.meshwork.core.Ticker;
import io.meshwork.core.model.Endpoint;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs the mesh's decisions on the SLF4J logger {@value #LOGGER}: ejections, readmissions and
 * breaker transitions at WARN/INFO; at DEBUG also every retry, every retry the budget refused,
 * every call refused before an attempt, and the endpoint each attempt picked, sampled to at most
 * {@value #PICKS_PER_SECOND} picks a second so that a busy service does not drown its log.
 *
 * <p>Picks reach this listener only when the logger is at DEBUG as the mesh starts (see {@link
 * #debugEnabled()}): otherwise the call path does not pay for per-call events at all.
 */
public final class DecisionLog implements MeshEventListener {
  /** The logger's name. */
  public static final String LOGGER = "meshwork.decisions";
  static final int PICKS_PER_SECOND = 10;
  private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

  private final Ticker ticker;
  private final Logger log;
  /** The second (ticker nanos / 1e9) of the current sampling window, and picks logged in it. */
  private final AtomicLong window = new AtomicLong(Long.MIN_VALUE);
  private final AtomicLong picksInWindow = new AtomicLong();
  private final AtomicLong picksSkipped = new AtomicLong();

  public DecisionLog(Ticker ticker) {
    this(ticker, LOG);
  }

  /** Logs to {@code log} instead (tests). */
  DecisionLog(Ticker ticker, Logger log) {
    this.ticker = ticker;
    this.log = log;
  }

  /** Whether {@value #LOGGER} is at DEBUG now. */
  public static boolean debugEnabled() {
    return LOG.isDebugEnabled();
  }

  @Override
  public void onEjected(String service, Endpoint endpoint, long durationNanos, int ejectionsInRow) {
    log.warn("{}: ejected {} for {} ms (ejection {} in a row)", service, endpoint.address(),
        durationNanos / 1_000_000, ejectionsInRow);
  }

  @Override
  public void onReadmitted(String service, Endpoint endpoint) {
    log.info("{}: readmitted {}", service, endpoint.address());
  }

  @Override
  public void onCircuitStateChanged(String service, CircuitState from, CircuitState to) {
    log.warn("{}: circuit breaker {} -> {}", service, from, to);
  }

  @Override
  public void onCallRejected(String service, MeshException reason) {
    if (!log.isDebugEnabled()) return;
    String m = String.valueOf(reason.getMessage());
    // Mesh exceptions name their service first already.
    log.debug("{}: refused before any attempt: {}", service, m.startsWith(service + ": ") ? m.substring(service.length() + 2) : m);
  }

  @Override
  public void onRetry(String service, int nextAttempt, long backoffNanos, Outcome lastOutcome) {
    if (log.isDebugEnabled()) {
      log.debug("{}: retry as attempt {} in {} us after {}", service, nextAttempt, backoffNanos / 1_000, lastOutcome);
    }
  }

  @Override
  public void onRetryBudgetExhausted(String service, Outcome lastOutcome) {
    if (log.isDebugEnabled()) log.debug("{}: retry refused by the retry budget after {}", service, lastOutcome);
  }

  @Override
  public void onAttemptStarted(String service, Endpoint endpoint, int attempt) {
    if (!log.isDebugEnabled() || !samplePick()) return;
    long skipped = picksSkipped.getAndSet(0);
    if (skipped > 0) {
      log.debug("{}: attempt {} picked {} ({} picks not logged before this one)", service, attempt,
          endpoint.address(), skipped);
    } else {
      log.debug("{}: attempt {} picked {}", service, attempt, endpoint.address());
    }
  }

  /** At most {@value #PICKS_PER_SECOND} a second; the others are counted for the next line. */
  private boolean samplePick() {
    long second = ticker.nanoTime() / 1_000_000_000L;
    long w = window.get();
    if (w != second && window.compareAndSet(w, second)) picksInWindow.set(0);
    if (picksInWindow.incrementAndGet() <= PICKS_PER_SECOND) return true;
    picksSkipped.incrementAndGet();
    return false;
  }
}
