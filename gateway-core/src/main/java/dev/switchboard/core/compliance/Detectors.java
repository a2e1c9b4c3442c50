package dev.switchboard.core.compliance;

import java.util.Set;

/** The built-in detectors of customer data, by the names the config ({@code compliance.detectors}) and the audit use. */
public final class Detectors {
    public static final String RESIDENT_ID = "cn-resident-id";
    public static final String BANK_CARD = "bank-card";
    public static final String MOBILE = "cn-mobile";
    public static final String EMAIL = "email";
    public static final String PASSPORT = "cn-passport";
    public static final String CREDIT_CODE = "cn-credit-code";
    public static final String BANK_ACCOUNT = "bank-account";
    public static final Set<String> BUILT_IN = Set.of(RESIDENT_ID, BANK_CARD, MOBILE, EMAIL, PASSPORT, CREDIT_CODE,
            BANK_ACCOUNT);

    private Detectors() {
    }
}
