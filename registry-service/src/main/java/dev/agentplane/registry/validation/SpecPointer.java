package dev.agentplane.registry.validation;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * An RFC 6901 JSON pointer into a spec, built one member or index at a time so that names are
 * escaped in exactly one place.
 */
record SpecPointer(List<String> tokens) {

  static final SpecPointer ROOT = new SpecPointer(List.of());

  /**
   * Orders pointer strings token by token, array indexes numerically, so {@code /tools/2} comes
   * before {@code /tools/10} and a parent before its children.
   */
  static final Comparator<String> ORDER =
      (left, right) -> compareTokens(parse(left).tokens, parse(right).tokens);

  SpecPointer {
    tokens = List.copyOf(tokens);
  }

  static SpecPointer of(Object... path) {
    SpecPointer pointer = ROOT;
    for (Object step : path) {
      pointer = pointer.child(String.valueOf(step));
    }
    return pointer;
  }

  SpecPointer child(String member) {
    List<String> longer = new ArrayList<>(tokens);
    longer.add(member);
    return new SpecPointer(longer);
  }

  SpecPointer child(int index) {
    return child(Integer.toString(index));
  }

  /** This pointer followed by {@code relative}, itself a pointer (as networknt reports them). */
  SpecPointer append(SpecPointer relative) {
    List<String> longer = new ArrayList<>(tokens);
    longer.addAll(relative.tokens);
    return new SpecPointer(longer);
  }

  /** Parses a pointer string; anything that does not start with {@code /} is the root. */
  static SpecPointer parse(String pointer) {
    if (pointer == null || !pointer.startsWith("/")) {
      return ROOT;
    }
    List<String> tokens = new ArrayList<>();
    for (String raw : pointer.substring(1).split("/", -1)) {
      // RFC 6901 §4: "~1" first, then "~0", so "~01" reads as "~1" and not "/".
      tokens.add(raw.replace("~1", "/").replace("~0", "~"));
    }
    return new SpecPointer(tokens);
  }

  @Override
  public String toString() {
    StringBuilder text = new StringBuilder();
    for (String token : tokens) {
      text.append('/').append(token.replace("~", "~0").replace("/", "~1"));
    }
    return text.toString();
  }

  private static int compareTokens(List<String> left, List<String> right) {
    for (int i = 0; i < Math.min(left.size(), right.size()); i++) {
      int order = compareToken(left.get(i), right.get(i));
      if (order != 0) {
        return order;
      }
    }
    return Integer.compare(left.size(), right.size());
  }

  private static int compareToken(String left, String right) {
    boolean leftIndex = isIndex(left);
    boolean rightIndex = isIndex(right);
    if (leftIndex && rightIndex) {
      int byLength = Integer.compare(left.length(), right.length());
      return byLength != 0 ? byLength : left.compareTo(right);
    }
    return left.compareTo(right);
  }

  private static boolean isIndex(String token) {
    if (token.isEmpty() || (token.length() > 1 && token.charAt(0) == '0')) {
      return false;
    }
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }
}
