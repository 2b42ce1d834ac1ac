package io.meshwork.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshwork.core.CircuitOpenException;
import io.meshwork.core.Outcome;
import io.meshwork.core.model.Endpoint;
import io.meshwork.core.testing.FakeTicker;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.junit.jupiter.api.Test;

/** The {@code meshwork.decisions} log at DEBUG: retries and refusals each, picks sampled. */
class DecisionLogTest {

  /** Records what it is asked to log at or above {@code threshold}. */
  static final class RecordingLogger extends LegacyAbstractLogger {
    final List<String> lines = new CopyOnWriteArrayList<>();
    final Level threshold;

    RecordingLogger(Level threshold) {
      this.threshold = threshold;
      this.name = DecisionLog.LOGGER;
    }

    @Override
    protected String getFullyQualifiedCallerName() {
      return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args,
        Throwable t) {
      lines.add(level + " " + MessageFormatter.basicArrayFormat(pattern, args));
    }

    private boolean on(Level l) {
      return l.toInt() >= threshold.toInt();
    }

    @Override public boolean isTraceEnabled() { return on(Level.TRACE); }
    @Override public boolean isDebugEnabled() { return on(Level.DEBUG); }
    @Override public boolean isInfoEnabled() { return on(Level.INFO); }
    @Override public boolean isWarnEnabled() { return on(Level.WARN); }
    @Override public boolean isErrorEnabled() { return on(Level.ERROR); }
  }

  @Test
  void atDebugRetriesAndRefusalsAreLoggedEachAndPicksAtMostTenASecondWithTheSkippedCounted() {
    FakeTicker ticker = new FakeTicker();
    RecordingLogger logger = new RecordingLogger(Level.DEBUG);
    DecisionLog log = new DecisionLog(ticker, logger);
    Endpoint e = Endpoint.of("127.0.0.1:8081");

    for (int i = 0; i < 25; i++) log.onAttemptStarted("greeter", e, 1);
    assertThat(logger.lines).hasSize(10).allMatch(l -> l.equals("DEBUG greeter: attempt 1 picked 127.0.0.1:8081"));
    ticker.advanceNanos(1_000_000_000L);
    log.onAttemptStarted("greeter", e, 2);
    assertThat(logger.lines).last().isEqualTo("DEBUG greeter: attempt 2 picked 127.0.0.1:8081 (15 picks not logged before this one)");

    log.onRetry("greeter", 2, 5_000_000, Outcome.http(503));
    log.onRetryBudgetExhausted("greeter", Outcome.http(503));
    log.onCallRejected("greeter", new CircuitOpenException("greeter", "circuit open"));
    assertThat(logger.lines.subList(11, 14)).satisfiesExactly(
        l -> assertThat(l).startsWith("DEBUG greeter: retry as attempt 2 in 5000 us after"),
        l -> assertThat(l).startsWith("DEBUG greeter: retry refused by the retry budget after"),
        l -> assertThat(l).isEqualTo("DEBUG greeter: refused before any attempt: circuit open"));
  }

  @Test
  void atInfoOnlyEjectionsReadmissionsAndBreakerTransitionsAreLogged() {
    RecordingLogger logger = new RecordingLogger(Level.INFO);
    DecisionLog log = new DecisionLog(new FakeTicker(), logger);
    Endpoint e = Endpoint.of("127.0.0.1:8081");
    log.onAttemptStarted("greeter", e, 1);
    log.onRetry("greeter", 2, 0, Outcome.http(503));
    log.onEjected("greeter", e, 30_000_000_000L, 1);
    log.onReadmitted("greeter", e);
    assertThat(logger.lines).containsExactly("WARN greeter: ejected 127.0.0.1:8081 for 30000 ms (ejection 1 in a row)",
        "INFO greeter: readmitted 127.0.0.1:8081");
  }
}
