package dev.agentplane.execution.tool.builtin;

import dev.agentplane.execution.tool.ToolFailure;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Evaluates the calculator's arithmetic by recursive descent, never by a script engine: numbers
 * (decimals, {@code 1.5e3}), {@code + - * / % ^}, parentheses, unary minus and plus, the constants
 * {@code pi} and {@code e}, and {@code sqrt(x)}, {@code abs(x)}, {@code min(a, ...)}, {@code max(a,
 * ...)}.
 *
 * <pre>
 * sum      = product (("+" | "-") product)*
 * product  = signed (("*" | "/" | "%") signed)*
 * signed   = ("-" | "+") signed | power
 * power    = primary ("^" signed)?          right-associative; -2^2 is -(2^2)
 * primary  = number | "(" sum ")" | name | name "(" sum ("," sum)* ")"
 * </pre>
 *
 * <p>Decimal arithmetic with 16 significant digits (IEEE 754 decimal64), so {@code 0.1 + 0.2} is
 * {@code 0.3}; {@code %} takes the sign of the dividend. Results whose magnitude passes 10^±10000
 * are refused rather than printed as a wall of digits.
 */
final class ArithmeticExpression {

  static final int MAX_LENGTH = 1000;
  private static final int MAX_NESTING = 200;
  private static final int MAX_MAGNITUDE = 10_000;
  private static final MathContext PRECISION = MathContext.DECIMAL64;
  private static final BigDecimal LARGEST_INT_EXPONENT = BigDecimal.valueOf(999_999_999);

  private final String text;
  private int position;
  private int nesting;

  private ArithmeticExpression(String text) {
    this.text = text;
  }

  /**
   * The expression's value.
   *
   * @throws ToolFailure {@code invalid_expression}, naming the (1-based) position of the problem
   */
  static BigDecimal evaluate(String text) {
    if (text.length() > MAX_LENGTH) {
      throw invalid(
          MAX_LENGTH,
          "the expression is "
              + text.length()
              + " characters long; at most "
              + MAX_LENGTH
              + " are accepted");
    }
    ArithmeticExpression expression = new ArithmeticExpression(text);
    expression.skipSpaces();
    if (expression.atEnd()) {
      throw invalid(0, "the expression is empty");
    }
    BigDecimal value = expression.sum();
    expression.skipSpaces();
    if (!expression.atEnd()) {
      throw invalid(expression.position, "unexpected '" + expression.peek() + "'");
    }
    return value;
  }

  /** The value as text: integers without a decimal point, very large or small ones as 1.5E+30. */
  static String format(BigDecimal value) {
    BigDecimal stripped = value.stripTrailingZeros();
    if (stripped.signum() == 0) {
      return "0";
    }
    int magnitude = magnitude(stripped);
    return magnitude >= -6 && magnitude < 21 ? stripped.toPlainString() : stripped.toString();
  }

  private BigDecimal sum() {
    BigDecimal value = product();
    while (true) {
      skipSpaces();
      int at = position;
      if (accept('+')) {
        value = inRange(value.add(product(), PRECISION), at);
      } else if (accept('-')) {
        value = inRange(value.subtract(product(), PRECISION), at);
      } else {
        return value;
      }
    }
  }

  private BigDecimal product() {
    BigDecimal value = signed();
    while (true) {
      skipSpaces();
      int at = position;
      if (accept('*')) {
        value = inRange(value.multiply(signed(), PRECISION), at);
      } else if (accept('/')) {
        BigDecimal divisor = signed();
        if (divisor.signum() == 0) {
          throw invalid(at, "division by zero");
        }
        value = inRange(value.divide(divisor, PRECISION), at);
      } else if (accept('%')) {
        BigDecimal divisor = signed();
        if (divisor.signum() == 0) {
          throw invalid(at, "remainder of a division by zero");
        }
        value = inRange(value.remainder(divisor).round(PRECISION), at);
      } else {
        return value;
      }
    }
  }

  private BigDecimal signed() {
    skipSpaces();
    if (++nesting > MAX_NESTING) {
      throw invalid(position, "the expression nests deeper than " + MAX_NESTING + " levels");
    }
    try {
      if (accept('-')) {
        return signed().negate();
      }
      if (accept('+')) {
        return signed();
      }
      return power();
    } finally {
      nesting--;
    }
  }

  private BigDecimal power() {
    BigDecimal base = primary();
    skipSpaces();
    int at = position;
    if (!accept('^')) {
      return base;
    }
    return inRange(raise(base, signed(), at), at);
  }

  private static BigDecimal raise(BigDecimal base, BigDecimal exponent, int at) {
    boolean whole = exponent.signum() == 0 || exponent.stripTrailingZeros().scale() <= 0;
    if (whole && exponent.abs().compareTo(LARGEST_INT_EXPONENT) <= 0) {
      if (base.signum() == 0 && exponent.signum() < 0) {
        throw invalid(at, "zero raised to a negative power");
      }
      try {
        return base.pow(exponent.intValueExact(), PRECISION);
      } catch (ArithmeticException e) {
        throw outOfRange(at);
      }
    }
    double result = Math.pow(base.doubleValue(), exponent.doubleValue());
    if (Double.isNaN(result)) {
      throw invalid(at, "a negative number raised to a fractional power has no real value");
    }
    if (Double.isInfinite(result)) {
      throw outOfRange(at);
    }
    return new BigDecimal(result, PRECISION);
  }

  private BigDecimal primary() {
    skipSpaces();
    int at = position;
    if (atEnd()) {
      throw invalid(at, "the expression ends where a number was expected");
    }
    char next = peek();
    if (accept('(')) {
      BigDecimal value = sum();
      expect(')');
      return value;
    }
    if (isDigit(next) || next == '.') {
      return number();
    }
    if (Character.isLetter(next)) {
      return named();
    }
    throw invalid(at, "unexpected '" + next + "' where a number was expected");
  }

  private BigDecimal number() {
    int start = position;
    int digits = digits();
    if (accept('.')) {
      digits += digits();
    }
    if (digits == 0) {
      throw invalid(start, "'.' is not a number");
    }
    if (!atEnd() && (peek() == 'e' || peek() == 'E') && startsExponent(position + 1)) {
      position++;
      if (!accept('+')) {
        accept('-');
      }
      digits();
    }
    try {
      return inRange(new BigDecimal(text.substring(start, position), PRECISION), start);
    } catch (NumberFormatException e) {
      throw outOfRange(start);
    }
  }

  private boolean startsExponent(int index) {
    if (index < text.length() && (text.charAt(index) == '+' || text.charAt(index) == '-')) {
      index++;
    }
    return index < text.length() && isDigit(text.charAt(index));
  }

  private int digits() {
    int start = position;
    while (!atEnd() && isDigit(peek())) {
      position++;
    }
    return position - start;
  }

  private BigDecimal named() {
    int start = position;
    while (!atEnd() && Character.isLetterOrDigit(peek())) {
      position++;
    }
    String name = text.substring(start, position);
    switch (name) {
      case "pi":
        return new BigDecimal(Math.PI, PRECISION);
      case "e":
        return new BigDecimal(Math.E, PRECISION);
      case "sqrt":
        {
          BigDecimal operand = single(name, start);
          if (operand.signum() < 0) {
            throw invalid(start, "the square root of a negative number");
          }
          return operand.sqrt(PRECISION);
        }
      case "abs":
        return single(name, start).abs();
      case "min":
        return arguments(name).stream().reduce(BigDecimal::min).orElseThrow();
      case "max":
        return arguments(name).stream().reduce(BigDecimal::max).orElseThrow();
      default:
        throw invalid(start, "unknown name '" + name + "' (known: pi, e, sqrt, abs, min, max)");
    }
  }

  private BigDecimal single(String function, int start) {
    List<BigDecimal> arguments = arguments(function);
    if (arguments.size() != 1) {
      throw invalid(start, function + " takes one argument, not " + arguments.size());
    }
    return arguments.getFirst();
  }

  private List<BigDecimal> arguments(String function) {
    skipSpaces();
    if (!accept('(')) {
      throw invalid(position, function + " needs its arguments in parentheses");
    }
    List<BigDecimal> arguments = new ArrayList<>();
    do {
      arguments.add(sum());
      skipSpaces();
    } while (accept(','));
    expect(')');
    return arguments;
  }

  private void expect(char wanted) {
    skipSpaces();
    if (!accept(wanted)) {
      throw invalid(
          position,
          atEnd()
              ? "the expression ends where '" + wanted + "' was expected"
              : "'" + wanted + "' expected, not '" + peek() + "'");
    }
  }

  private boolean accept(char wanted) {
    if (!atEnd() && peek() == wanted) {
      position++;
      return true;
    }
    return false;
  }

  private void skipSpaces() {
    while (!atEnd() && Character.isWhitespace(peek())) {
      position++;
    }
  }

  private boolean atEnd() {
    return position >= text.length();
  }

  private char peek() {
    return text.charAt(position);
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static BigDecimal inRange(BigDecimal value, int at) {
    if (value.signum() != 0 && Math.abs(magnitude(value)) > MAX_MAGNITUDE) {
      throw outOfRange(at);
    }
    return value;
  }

  private static int magnitude(BigDecimal value) {
    return value.precision() - value.scale() - 1;
  }

  private static ToolFailure outOfRange(int at) {
    return invalid(at, "the result is out of range (beyond 10^±" + MAX_MAGNITUDE + ")");
  }

  private static ToolFailure invalid(int index, String problem) {
    return new ToolFailure("invalid_expression", problem + " at position " + (index + 1));
  }
}
