package io.meshwork.admin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/** Reading state.json back in tests, with Jackson (as a consumer would). */
final class Documents {
  private static final JsonMapper MAPPER = JsonMapper.builder().build();

  private Documents() {}

  /** {@code json} parsed by Jackson, numbers made comparable with {@link #normalized}. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> parse(String json) {
    return (Map<String, Object>) normalized(MAPPER.readValue(json, Map.class));
  }

  /** A copy with every integer as a {@code Long} and every other number as a {@code Double}. */
  static Object normalized(Object value) {
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> copy = new LinkedHashMap<>();
      map.forEach((k, v) -> copy.put((String) k, normalized(v)));
      return copy;
    }
    if (value instanceof List<?> list) {
      List<Object> copy = new ArrayList<>();
      for (Object v : list) copy.add(normalized(v));
      return copy;
    }
    if (value instanceof Integer || value instanceof Long || value instanceof Short) {
      return ((Number) value).longValue();
    }
    if (value instanceof Number n) return n.doubleValue();
    return value;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object o) {
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object o) {
    return (List<Object>) o;
  }

  /** The destination of {@code service} in a state document. */
  static Map<String, Object> destination(Map<String, Object> state, String service) {
    for (Object d : list(state.get("destinations"))) {
      if (service.equals(map(d).get("service"))) return map(d);
    }
    throw new AssertionError("no destination " + service + " in " + state.get("destinations"));
  }

  /** The endpoint at {@code address} of a destination. */
  static Map<String, Object> endpoint(Map<String, Object> destination, String address) {
    for (Object e : list(destination.get("endpoints"))) {
      if (address.equals(map(e).get("address"))) return map(e);
    }
    throw new AssertionError("no endpoint " + address + " in " + destination.get("endpoints"));
  }
}
