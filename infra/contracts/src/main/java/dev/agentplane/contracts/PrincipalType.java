package dev.agentplane.contracts;

/** Whether a principal is a person or a machine (the JWT {@code ptype} claim). */
public enum PrincipalType {
  USER,
  SERVICE
}
