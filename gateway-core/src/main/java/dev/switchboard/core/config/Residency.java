package dev.switchboard.core.config;

/** Where a backend runs: inside the bank's network or outside it. */
public enum Residency {
    INTERNAL, EXTERNAL
}
