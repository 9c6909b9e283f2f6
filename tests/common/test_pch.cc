// Builds the precompiled test headers (tests/common/test_pch.h) that every test reuses.
