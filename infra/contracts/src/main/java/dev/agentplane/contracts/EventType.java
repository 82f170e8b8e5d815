package dev.agentplane.contracts;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The stable CloudEvents {@code type} of a payload record, declared next to the record so that
 * renaming the class never changes the wire; {@link EventTypes} reads it.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface EventType {

  /** Reverse-DNS, past tense, e.g. {@code dev.agentplane.run.queued}; names the schema file too. */
  String value();
}
