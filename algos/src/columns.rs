//! The column names of the tutorial's tables, as the pandas code spells them.

/// Input: the customer's id (read, never used).
pub const CUSTOMER_ID: &str = "CustomerID";
/// Input: the customer's total spend.
pub const TOTAL_PURCHASE_AMOUNT: &str = "TotalPurchaseAmount";
/// Input: how many purchases the customer made (an integer, possibly 0).
pub const NUMBER_OF_PURCHASES: &str = "NumberOfPurchases";
/// Input: the customer's average review score (1–5).
pub const AVERAGE_REVIEW_SCORE: &str = "AverageReviewScore";
/// Input: the customer's total purchase time in days (an integer).
pub const TOTAL_PURCHASE_TIME: &str = "TotalPurchaseTime";

/// Task 1: `0.5·amount/1000 + 0.3·purchases/10 + 0.2·review`.
pub const CUSTOMER_SCORE: &str = "CUSTOMER_SCORE";

/// Task 2: 1 if the amount exceeds the payment threshold, else 0.
pub const HIGH_SPENDER: &str = "HighSpender";
/// Task 2: total purchase time / number of purchases.
pub const AVERAGE_TIME_BETWEEN_PURCHASES: &str = "AverageTimeBetweenPurchases";
/// Task 2: amount × purchases.
pub const INTERACTION_1: &str = "Interaction1";
/// Task 2: time × score.
pub const INTERACTION_2: &str = "Interaction2";
/// Task 2: amount².
pub const POLYNOMIAL_FEATURE: &str = "PolynomialFeature";
/// Task 2: [`HIGH_VALUE`] or [`LOW_VALUE`].
pub const VALUE_SEGMENT: &str = "ValueSegment";

/// The segment of customers whose score exceeds the score threshold.
pub const HIGH_VALUE: &str = "High Value";
/// The segment of the other customers.
pub const LOW_VALUE: &str = "Low Value";

/// Task 4: the name of the statistic used.
pub const SUMMARY_STATISTIC_TYPE: &str = "SummaryStatisticType";
/// Task 4: the statistic of the high-value customers' amounts.
pub const AVERAGE_PURCHASE_HIGH_VALUE: &str = "AveragePurchaseHighValue";
/// Task 4: the median score of the high-value customers.
pub const MEDIAN_SCORE_HIGH_VALUE: &str = "MedianScoreHighValue";
/// Task 4: the segment analysis' amount for the high-value segment.
pub const SEGMENT_ANALYSIS_HIGH_VALUE: &str = "SegmentAnalysisHighValue";

/// The columns task 1 needs in the CSV, in the order it reads them.
pub const REQUIRED_INPUT: [&str; 4] =
    [TOTAL_PURCHASE_AMOUNT, NUMBER_OF_PURCHASES, AVERAGE_REVIEW_SCORE, TOTAL_PURCHASE_TIME];
