package io.meshwork.core.registry;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import org.snakeyaml.engine.v2.common.Anchor;
import org.snakeyaml.engine.v2.events.AliasEvent;
import org.snakeyaml.engine.v2.events.CollectionStartEvent;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.parser.Parser;

/**
 * A SnakeYAML {@link Parser} that refuses two kinds of input before SnakeYAML's composer sees
 * them, by watching the event stream:
 *
 * <ul>
 *   <li>mappings and lists nested deeper than a limit: the composer builds nodes recursively,
 *       so a few hundred thousand {@code [} would overflow the stack;
 *   <li>an alias to a mapping or list that is still open, i.e. a structure that contains
 *       itself: the registry document has no use for one, and SnakeYAML's merge-key handling
 *       loops forever on {@code &a { <<: *a }}.
 * </ul>
 *
 * <p>These are limits checked up front rather than a caught {@link StackOverflowError} or a
 * timeout.
 */
final class LimitingParser implements Parser {
  private final Parser delegate;
  private final int maxDepth;
  /** The anchors of the open collections, innermost first (empty when a collection has none). */
  private final Deque<Optional<Anchor>> open = new ArrayDeque<>();

  LimitingParser(Parser delegate, int maxDepth) {
    this.delegate = delegate;
    this.maxDepth = maxDepth;
  }

  @Override
  public boolean checkEvent(Event.ID id) {
    return delegate.checkEvent(id);
  }

  @Override
  public Event peekEvent() {
    return delegate.peekEvent();
  }

  @Override
  public boolean hasNext() {
    return delegate.hasNext();
  }

  /**
   * @throws LimitExceededException when the event opens a collection deeper than the limit or
   *     is an alias to an open collection
   */
  @Override
  public Event next() {
    Event event = delegate.next();
    switch (event.getEventId()) {
      case MappingStart:
      case SequenceStart:
        if (open.size() >= maxDepth) {
          throw new LimitExceededException(event.getStartMark(), "nesting deeper than " + maxDepth
              + " levels (expected: at most " + maxDepth + " levels of nested mappings and lists)");
        }
        open.push(((CollectionStartEvent) event).getAnchor());
        break;
      case MappingEnd:
      case SequenceEnd:
        open.poll();
        break;
      case Alias:
        Anchor alias = ((AliasEvent) event).getAlias();
        if (open.contains(Optional.of(alias))) {
          throw new LimitExceededException(event.getStartMark(), "*" + alias.getValue()
              + " inside &" + alias.getValue() + " (expected: no mapping or list that contains itself)");
        }
        break;
      default:
        break;
    }
    return event;
  }

  /** Thrown by {@link #next()} when a limit is exceeded; says where and why. */
  static final class LimitExceededException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient Optional<Mark> mark;

    LimitExceededException(Optional<Mark> mark, String problem) {
      super(problem, null, false, false);
      this.mark = mark;
    }

    Optional<Mark> mark() {
      return mark;
    }
  }
}
