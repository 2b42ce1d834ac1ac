package io.meshwork.admin;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the document as ordered maps ({@link LinkedHashMap}), lists, strings, {@code Long}s,
 * {@code Double}s, {@code Boolean}s and nulls: what Jackson serializes back into the same JSON.
 * Containers are unmodifiable once ended.
 */
final class TreeWriter implements DocumentWriter {
  private final Deque<Object> open = new ArrayDeque<>();
  private String pendingName;
  private Object root;

  /** The finished document's root. */
  @SuppressWarnings("unchecked")
  Map<String, Object> root() {
    if (!open.isEmpty() || !(root instanceof Map)) {
      throw new IllegalStateException("the document is not a finished object");
    }
    return (Map<String, Object>) root;
  }

  @Override
  public TreeWriter beginObject() {
    Map<String, Object> map = new LinkedHashMap<>();
    add(map);
    open.push(map);
    return this;
  }

  @Override
  public TreeWriter endObject() {
    close();
    return this;
  }

  @Override
  public TreeWriter beginArray() {
    List<Object> list = new ArrayList<>();
    add(list);
    open.push(list);
    return this;
  }

  @Override
  public TreeWriter endArray() {
    close();
    return this;
  }

  @Override
  public TreeWriter name(String name) {
    pendingName = name;
    return this;
  }

  @Override
  public TreeWriter key(String key) {
    return name(key);
  }

  @Override
  public TreeWriter value(String value) {
    add(value);
    return this;
  }

  @Override
  public TreeWriter value(long value) {
    add(value);
    return this;
  }

  @Override
  public TreeWriter value(double value) {
    add(Double.isNaN(value) || Double.isInfinite(value) ? null : (Object) Json.round(value));
    return this;
  }

  @Override
  public TreeWriter value(boolean value) {
    add(value);
    return this;
  }

  @Override
  public TreeWriter nullValue() {
    add(null);
    return this;
  }

  @SuppressWarnings("unchecked")
  private void close() {
    Object done = open.pop();
    Object frozen = done instanceof Map ? Collections.unmodifiableMap((Map<String, Object>) done)
        : Collections.unmodifiableList((List<Object>) done);
    replace(done, frozen);
  }

  @SuppressWarnings("unchecked")
  private void replace(Object done, Object frozen) {
    if (open.isEmpty()) {
      root = frozen;
      return;
    }
    Object parent = open.peek();
    if (parent instanceof Map) {
      Map<String, Object> map = (Map<String, Object>) parent;
      for (Map.Entry<String, Object> e : map.entrySet()) {
        if (e.getValue() == done) {
          e.setValue(frozen);
          return;
        }
      }
    } else {
      List<Object> list = (List<Object>) parent;
      list.set(list.size() - 1, frozen);
    }
  }

  @SuppressWarnings("unchecked")
  private void add(Object value) {
    if (open.isEmpty()) {
      root = value;
      return;
    }
    Object parent = open.peek();
    if (parent instanceof Map) {
      if (pendingName == null) throw new IllegalStateException("a member of an object needs a name");
      ((Map<String, Object>) parent).put(pendingName, value);
      pendingName = null;
    } else {
      ((List<Object>) parent).add(value);
    }
  }
}
