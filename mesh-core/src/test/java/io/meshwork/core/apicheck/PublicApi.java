package io.meshwork.core.apicheck;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A module's public API as text, and the check that it matches the listing committed as
 * {@code <module>/api/<module>.api}.
 *
 * <p>The listing holds every public or protected type in a package without an {@code internal}
 * segment, and its public and protected constructors, methods and fields, with generic
 * signatures. It is read by reflection from the module's compiled classes and written so that
 * it is the same on every JDK: types and members are sorted, synthetic and bridge members are
 * left out, and modifiers that a type implies (an interface's {@code abstract}, a record's
 * {@code final}, {@code final} on the methods of a final class) are dropped.
 *
 * <p>A public signature that names a type from an {@code internal} package (Meshwork's or a
 * library's) is a leak: the check fails and names it, also when updating the listing.
 *
 * <p>Shared with the other modules through mesh-core's test-jar; no dependency but the JDK.
 */
public final class PublicApi {
  /** The system property that makes {@link #check} rewrite the listing instead of comparing. */
  public static final String UPDATE_PROPERTY = "meshwork.api.update";

  private static final int MODIFIERS =
      Modifier.PUBLIC | Modifier.PROTECTED | Modifier.STATIC | Modifier.FINAL | Modifier.ABSTRACT;

  final List<String> leaks = new ArrayList<>();

  PublicApi() {}

  /**
   * Compares the API of the module whose main classes hold {@code anyMainClass} with its
   * committed listing, or rewrites the listing when {@code -Dmeshwork.api.update=true}.
   *
   * @throws AssertionError with a diff and the command that accepts the change, or the leaks
   */
  public static void check(Class<?> anyMainClass) {
    Path classes = classesDirectory(anyMainClass);
    Path moduleDir = classes.getParent().getParent();
    String module = moduleDir.getFileName().toString();
    Path listingFile = moduleDir.resolve("api").resolve(module + ".api");
    PublicApi api = new PublicApi();
    String current = api.listing(module, classes, anyMainClass.getClassLoader());
    String accept = updateCommand(module);
    boolean update = Boolean.getBoolean(UPDATE_PROPERTY);
    if (update) {
      write(listingFile, current);
    }
    StringBuilder failure = new StringBuilder();
    if (!api.leaks.isEmpty()) {
      failure.append(module).append(": the public API exposes types from internal packages;")
          .append(" make them public API or keep them out of public signatures:\n");
      api.leaks.stream().sorted().distinct().forEach(l -> failure.append("  ").append(l).append('\n'));
    }
    if (!update) {
      String committed = Files.exists(listingFile) ? read(listingFile) : "";
      if (!committed.equals(current)) {
        if (failure.length() > 0) failure.append('\n');
        failure.append(module).append(": the public API differs from ").append(moduleDir.relativize(listingFile))
            .append(committed.isEmpty() ? " (missing)" : "").append(" (- committed, + current):\n")
            .append(Diff.unified(lines(committed), lines(current)))
            .append("If the change is intended, accept it and commit ").append(module).append("/api/")
            .append(module).append(".api:\n  ").append(accept).append('\n');
      }
    }
    if (failure.length() > 0) {
      throw new AssertionError(failure.toString());
    }
  }

  /** The command that rewrites {@code module}'s listing. */
  static String updateCommand(String module) {
    return "mvn -q test -pl " + module + " -am -Dtest=PublicApiTest -Dsurefire.failIfNoSpecifiedTests=false"
        + " -D" + UPDATE_PROPERTY + "=true";
  }

  /** The listing of the classes under {@code classes}, loaded (not initialized) by {@code loader}. */
  String listing(String module, Path classes, ClassLoader loader) {
    return listing(module, classes, loader, "");
  }

  /** The listing of those classes whose names start with {@code prefix}. */
  String listing(String module, Path classes, ClassLoader loader, String prefix) {
    List<Class<?>> types = new ArrayList<>();
    try (Stream<Path> files = Files.walk(classes)) {
      for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".class"))::iterator) {
        String relative = classes.relativize(f).toString().replace(f.getFileSystem().getSeparator(), "/");
        String name = relative.substring(0, relative.length() - ".class".length()).replace('/', '.');
        if (!name.startsWith(prefix) || name.endsWith("module-info") || name.endsWith("package-info")) continue;
        Class<?> c = Class.forName(name, false, loader);
        if (isApi(c)) types.add(c);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
    types.sort((a, b) -> name(a).compareTo(name(b)));
    StringBuilder out = new StringBuilder();
    out.append("# The public API of ").append(module)
        .append(" (types outside internal packages), checked by PublicApiTest.\n")
        .append("# Regenerate: ").append(updateCommand(module)).append('\n');
    for (Class<?> c : types) {
      out.append('\n').append(header(c)).append('\n');
      members(c).forEach(m -> out.append("  ").append(m).append('\n'));
    }
    return out.toString();
  }

  private static boolean isApi(Class<?> c) {
    if (c.isSynthetic() || c.isAnonymousClass() || c.isLocalClass() || isInternal(c.getPackageName())) {
      return false;
    }
    for (Class<?> k = c; k != null; k = k.getDeclaringClass()) {
      int m = k.getModifiers();
      boolean visible = k.getDeclaringClass() == null
          ? Modifier.isPublic(m)
          : Modifier.isPublic(m) || Modifier.isProtected(m);
      if (!visible) return false;
    }
    return true;
  }

  static boolean isInternal(String packageName) {
    return Arrays.asList(packageName.split("\\.")).contains("internal");
  }

  private String header(Class<?> c) {
    int m = c.getModifiers() & MODIFIERS;
    String kind;
    if (c.isAnnotation()) {
      kind = "@interface";
      m &= ~(Modifier.ABSTRACT | Modifier.STATIC);
    } else if (c.isInterface()) {
      kind = "interface";
      m &= ~(Modifier.ABSTRACT | Modifier.STATIC);
    } else if (c.isEnum()) {
      kind = "enum";
      m &= ~(Modifier.FINAL | Modifier.STATIC | Modifier.ABSTRACT);
    } else if (c.isRecord()) {
      kind = "record";
      m &= ~(Modifier.FINAL | Modifier.STATIC);
    } else {
      kind = "class";
    }
    String where = "type " + name(c);
    // An enum whose constants have bodies is sealed by the compiler: not part of its API.
    boolean sealed = c.isSealed() && !c.isEnum();
    StringBuilder h = new StringBuilder();
    if (c.isAnnotationPresent(Deprecated.class)) h.append("@Deprecated ");
    h.append(modifiers(m));
    if (sealed) h.append("sealed ");
    h.append(kind).append(' ').append(name(c)).append(typeParameters(c.getTypeParameters(), where));
    if (c.isRecord()) {
      h.append(Arrays.stream(c.getRecordComponents())
          .map(rc -> type(rc.getGenericType(), where) + " " + rc.getName())
          .collect(Collectors.joining(", ", "(", ")")));
    }
    Type superclass = c.getGenericSuperclass();
    if (superclass != null && superclass != Object.class && !c.isEnum() && !c.isRecord()) {
      h.append(" extends ").append(type(superclass, where));
    }
    List<String> interfaces = new ArrayList<>();
    for (Type i : c.getGenericInterfaces()) {
      if (c.isAnnotation() && i == java.lang.annotation.Annotation.class) continue;
      interfaces.add(type(i, where));
    }
    if (!interfaces.isEmpty()) {
      h.append(c.isInterface() ? " extends " : " implements ").append(String.join(", ", interfaces));
    }
    if (sealed) {
      h.append(Arrays.stream(c.getPermittedSubclasses()).map(PublicApi::name).sorted()
          .collect(Collectors.joining(", ", " permits ", "")));
    }
    return h.toString();
  }

  private List<String> members(Class<?> c) {
    boolean finalType = Modifier.isFinal(c.getModifiers()) || c.isEnum() || c.isRecord();
    Map<String, String> fields = new TreeMap<>(); // by name
    for (Field f : c.getDeclaredFields()) {
      if (f.isSynthetic() || !visible(f.getModifiers())) continue;
      String where = name(c) + "." + f.getName();
      fields.put(f.getName(), deprecated(f) + modifiers(f.getModifiers() & MODIFIERS) + type(f.getGenericType(), where) + " " + f.getName());
    }
    Set<String> constructors = new TreeSet<>();
    for (Constructor<?> k : c.getDeclaredConstructors()) {
      if (k.isSynthetic() || !visible(k.getModifiers())) continue;
      String where = name(c) + ".<init>";
      constructors.add(deprecated(k) + modifiers(k.getModifiers() & MODIFIERS)
          + typeParameters(k.getTypeParameters(), where) + name(c) + parameters(k, where) + exceptions(k, where));
    }
    // By name, then signature, so that a method's overloads stay together.
    Map<String, String> methods = new TreeMap<>();
    for (Method x : c.getDeclaredMethods()) {
      if (x.isSynthetic() || x.isBridge() || !visible(x.getModifiers())) continue;
      String where = name(c) + "." + x.getName();
      int m = x.getModifiers() & MODIFIERS;
      if (finalType) m &= ~Modifier.FINAL;
      String tp = typeParameters(x.getTypeParameters(), where);
      String line = deprecated(x) + modifiers(m) + (x.isDefault() ? "default " : "") + (tp.isEmpty() ? "" : tp + " ")
          + type(x.getGenericReturnType(), where) + " " + x.getName() + parameters(x, where) + exceptions(x, where);
      methods.put(x.getName() + "\0" + line, line);
    }
    List<String> all = new ArrayList<>(fields.values());
    all.addAll(constructors);
    all.addAll(methods.values());
    return all;
  }

  private static boolean visible(int modifiers) {
    return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
  }

  private static String deprecated(AnnotatedElement e) {
    return e.isAnnotationPresent(Deprecated.class) ? "@Deprecated " : "";
  }

  private static String modifiers(int m) {
    String s = Modifier.toString(m);
    return s.isEmpty() ? "" : s + " ";
  }

  private String parameters(Executable e, String where) {
    Type[] types = e.getGenericParameterTypes();
    // Constructors of inner (non-static) classes and enums may report implicit parameters in
    // their erased form only; fall back to the erased types when the counts disagree.
    if (types.length != e.getParameterCount()) types = e.getParameterTypes();
    List<String> out = new ArrayList<>();
    for (int i = 0; i < types.length; i++) {
      String t = type(types[i], where);
      if (e.isVarArgs() && i == types.length - 1 && t.endsWith("[]")) {
        t = t.substring(0, t.length() - 2) + "...";
      }
      out.add(t);
    }
    return "(" + String.join(", ", out) + ")";
  }

  private String exceptions(Executable e, String where) {
    Type[] thrown = e.getGenericExceptionTypes();
    if (thrown.length == 0) return "";
    return Arrays.stream(thrown).map(t -> type(t, where)).collect(Collectors.joining(", ", " throws ", ""));
  }

  private String typeParameters(TypeVariable<?>[] variables, String where) {
    if (variables.length == 0) return "";
    List<String> out = new ArrayList<>();
    for (TypeVariable<?> v : variables) {
      List<String> bounds = new ArrayList<>();
      for (Type b : v.getBounds()) {
        if (b != Object.class) bounds.add(type(b, where));
      }
      out.add(bounds.isEmpty() ? v.getName() : v.getName() + " extends " + String.join(" & ", bounds));
    }
    return "<" + String.join(", ", out) + ">";
  }

  /** {@code t} as source would write it, fully qualified; notes a leak if it names an internal type. */
  private String type(Type t, String where) {
    if (t instanceof Class<?> c) {
      if (c.isArray()) return type(c.getComponentType(), where) + "[]";
      if (!c.isPrimitive() && isInternal(c.getPackageName())) {
        leaks.add(where + " exposes " + name(c));
      }
      return name(c);
    }
    if (t instanceof ParameterizedType p) {
      Class<?> raw = (Class<?>) p.getRawType();
      String base = p.getOwnerType() instanceof ParameterizedType owner
          ? type(owner, where) + "." + raw.getSimpleName()
          : type(raw, where);
      return base + Arrays.stream(p.getActualTypeArguments()).map(a -> type(a, where))
          .collect(Collectors.joining(", ", "<", ">"));
    }
    if (t instanceof WildcardType w) {
      if (w.getLowerBounds().length > 0) return "? super " + type(w.getLowerBounds()[0], where);
      Type upper = w.getUpperBounds().length == 0 ? Object.class : w.getUpperBounds()[0];
      return upper == Object.class ? "?" : "? extends " + type(upper, where);
    }
    if (t instanceof GenericArrayType a) {
      return type(a.getGenericComponentType(), where) + "[]";
    }
    if (t instanceof TypeVariable<?> v) {
      return v.getName();
    }
    throw new IllegalArgumentException("unknown type " + t);
  }

  private static String name(Class<?> c) {
    String canonical = c.getCanonicalName();
    return canonical != null ? canonical : c.getName();
  }

  private static Path classesDirectory(Class<?> c) {
    try {
      Path p = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
      if (!Files.isDirectory(p)) {
        throw new IllegalStateException(c + " comes from " + p + ", not a module's target/classes directory");
      }
      return p;
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<String> lines(String text) {
    return text.isEmpty() ? List.of() : Arrays.asList(text.split("\n", -1));
  }

  private static String read(Path p) {
    try {
      return Files.readString(p, StandardCharsets.UTF_8).replace("\r\n", "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void write(Path p, String text) {
    try {
      Files.createDirectories(p.getParent());
      Files.writeString(p, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
