using TweetStream.Transforms.Pii;

namespace TweetStream.Tests.Transforms.Pii;

/// <summary>Bank details, passports, driving licences, vehicle registrations, dates of birth and street addresses.</summary>
public sealed class PiiRecordRecognizerTests
{
    private static readonly PiiRedactor Redactor = new(new RedactPiiOptions { HashMentions = false });

    private static List<(string Type, string Value)> Found(string text) =>
        [.. Redactor.Find(text).Select(s => (s.Type, text[s.Start..s.End]))];

    private static void AssertFinds(string text, string type, params string[] values) =>
        Assert.Equal(values.Select(v => (type, v)), Found(text));

    private static void AssertClean(string text) => Assert.Empty(Found(text));

    // ---- BANK ----------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("sort code 20-00-00 acc 12345678", "20-00-00", "12345678")]
    [InlineData("Sort code: 60-16-13 Account: 31926819 thanks", "60-16-13", "31926819")]
    [InlineData("pay into 30-96-26 11447835 before Friday", "30-96-26", "11447835")]
    [InlineData("s/c 83-91-12 a/c 10284756", "83-91-12", "10284756")]
    [InlineData("sortcode 203206 acc 99273615", "203206", "99273615")]
    [InlineData("sort code 30 00 66 and account 0198 7654", "30 00 66", "0198 7654")]
    [InlineData("Monzo 04-00-04 / 56781234", "04-00-04", "56781234")]
    public void Sort_code_and_account_number_are_two_bank_spans(string text, string sortCode, string account) =>
        AssertFinds(text, "BANK", sortCode, account);

    [Theory]
    [InlineData("my account number is 41925537 if you want to chip in", "41925537")]
    [InlineData("a/c no. 34409812 for the subs", "34409812")]
    [InlineData("HSBC sort code 40-11-60 if anyone needs it", "40-11-60")]
    [InlineData("Barclays 20-45-77, pay by Friday", "20-45-77")]
    public void A_sort_code_or_account_number_alone_is_found_by_its_words(string text, string value) =>
        AssertFinds(text, "BANK", value);

    [Theory]
    [InlineData("order number 45871236 still says processing")]
    [InlineData("Account manager said the case number is 31926819")]
    [InlineData("Scores tonight: 3-1, 2-2, 0-4 and 20-00-00 in the dream league")]
    [InlineData("The 12-03-24 ticket stub is my bookmark")]
    [InlineData("ISBN 978-0-14-118776-1 anyone?")]
    [InlineData("Account locked after 3 attempts, code 20-45-77 didn't work")]
    [InlineData("my account has been suspended for 12 hours")]
    [InlineData("Bus 38 at 21:05, then the 73 at 21:40")]
    [InlineData("Table for 6 at 20:30, booking ref 83911204")]
    [InlineData("sort code 00-11-22 looks fake")]
    [InlineData("bank GB82WEST12345698765432, NI AB 12 34 56 C")]
    public void Bank_look_alikes_are_not(string text) => Assert.DoesNotContain(Found(text), f => f.Type == "BANK");

    [Theory]
    [InlineData("s/c 40.12.77 a/c 51839026 for the deposit", "40.12.77", "51839026")] // dotted sort code
    [InlineData("£20 each to 401276 63019482 please", "401276", "63019482")] // six then eight digits, as apps copy them
    public void Dotted_and_bare_sort_code_pairs_are_bank_spans(string text, string sortCode, string account) =>
        AssertFinds(text, "BANK", sortCode, account);

    [Theory]
    [InlineData("Transfer to s.c. 30 94 55 when you can", "30 94 55")]
    [InlineData("the sort code for me is now 301275", "301275")]
    [InlineData("my account number leaked, it was 73920185", "73920185")]
    public void Bank_numbers_named_a_little_further_back_are_found(string text, string value) => AssertFinds(text, "BANK", value);

    [Theory]
    [InlineData("Account reached 10293847 views overnight, bots probably")]
    [InlineData("account support gave me order 55512345 instead")]
    [InlineData("the account page says customer 66120934")]
    public void Counts_and_other_numbers_near_account_are_not_bank(string text) => Assert.DoesNotContain(Found(text), f => f.Type == "BANK");

    // ---- PASSPORT ------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("passport number: 925374810 - new format?", "925374810")]
    [InlineData("Lost my passport at Heathrow T5, number 531862947, pls DM", "531862947")]
    [InlineData("my passport no. is 141928357", "141928357")]
    [InlineData("Irish passport PA4830291 found outside Euston", "PA4830291")]
    [InlineData("French passport 19AB28373 left at the Pret", "19AB28373")]
    public void Passport_numbers_after_passport_are_found(string text, string value) => AssertFinds(text, "PASSPORT", value);

    [Theory]
    [InlineData("Passport application reference 531862947 still not updated")]
    [InlineData("Passport photos £12.50 at the booth")]
    [InlineData("The passport office helpline 0300 222 0000 is engaged")]
    [InlineData("Order 120384756 from Argos still hasn't arrived")]
    [InlineData("Flight BA0117 to JFK boarding at gate 22")]
    [InlineData("ISBN 9780141187761 is the Penguin edition")]
    public void Passport_look_alikes_are_not(string text) => Assert.DoesNotContain(Found(text), f => f.Type == "PASSPORT");

    [Theory]
    [InlineData("ppt no. 302918475 runs out in June", "302918475")]
    [InlineData("Belgian passport n° EM1234567 handed in at the desk", "EM1234567")]
    [InlineData("Lost my passport somewhere near the market on Sunday, number 402918375", "402918375")]
    [InlineData("402918375 is the passport number they keep asking for", "402918375")]
    [InlineData("Passport number for my daughter's flight: 602918374", "602918374")]
    [InlineData("got two: 521098374 (British) and AB1234567 (French)", "521098374", "AB1234567")]
    public void Passport_numbers_named_around_them_are_found(string text, params string[] values) => AssertFinds(text, "PASSPORT", values);

    [Theory]
    [InlineData("Passport office appointment booked, confirmation no. 771203948")]
    [InlineData("Passport renewal fee paid, payment 120394857 went through")]
    [InlineData("Order 123456789 (UK) has shipped")]
    [InlineData("Lost my passport somewhere, tracking for the replacement is 402918375")]
    public void Passport_neighbours_that_name_another_number_are_not(string text) => Assert.DoesNotContain(Found(text), f => f.Type == "PASSPORT");

    // ---- DRIVING_LICENCE -----------------------------------------------------------------------------------------

    [Theory]
    [InlineData("MORGA753116SM9IJ")] // the DVLA's own example: a woman (53 is March + 50) born 11 March 1976
    [InlineData("PATEL911020PK9AB")] // a man born 2 November 1990
    [InlineData("PATEL961020PK9AB")] // a woman: month 61 is November + 50
    [InlineData("LI999805058WX9CD")] // short surname padded with 9s
    [InlineData("SMITH 707235 JA9AB")] // printed 5-6-5
    [InlineData("OKAFO901302A99XY")] // no middle initial
    public void Driving_licence_numbers_with_a_valid_dvla_structure_are_found(string value) =>
        AssertFinds("licence " + value + " found on the bus", "DRIVING_LICENCE", value);

    [Theory]
    [InlineData("MORGA713116SM9IJ")] // month 13
    [InlineData("MORGA763116SM9IJ")] // month 63 (13 + 50)
    [InlineData("MORGA702306SM9IJ")] // 30 February
    [InlineData("M9RGA753116SM9IJ")] // letters after the 9 padding
    [InlineData("MORGA753116S19IJ")] // a digit as the second initial
    [InlineData("MORGA753116SMXIJ")] // a letter where the digit goes
    [InlineData("MORGA753116SM9IJX")] // 17 characters
    public void Driving_licence_look_alikes_failing_the_structure_are_not(string value) => AssertClean("licence " + value + " x");

    [Theory]
    [InlineData("Part number PATEL011302PK9AB is out of stock")]
    [InlineData("Serial no. WILLI912170HE9XY on the boiler")]
    [InlineData("Tracking ID JONES912099TR9EW is stuck")]
    public void Codes_that_fit_the_structure_but_are_named_otherwise_are_not_licences(string text) => AssertClean(text);

    [Theory]
    [InlineData("licence morga753116sm9ij on the hire form", "morga753116sm9ij")] // typed in lower case
    [InlineData("Rental desk wanted the booking ref and my licence no. PATEL911020PK9AB", "PATEL911020PK9AB")] // its own words win
    [InlineData("DL#PATEL911020PK9AB on the sign-up sheet", "PATEL911020PK9AB")] // '#' glued to a label
    public void Driving_licences_named_by_licence_words_are_found(string text, string value) => AssertFinds(text, "DRIVING_LICENCE", value);

    [Theory]
    [InlineData("voucher morga753116sm9ij for the spa")] // lower case needs the licence words
    [InlineData("the promo code for the licence shop is PATEL911020PK9AB")]
    [InlineData("#PATEL911020PK9AB trending")] // a hashtag is not a label
    public void Lower_case_and_hashtag_licence_look_alikes_are_not(string text) => Assert.DoesNotContain(Found(text), f => f.Type == "DRIVING_LICENCE");

    // ---- VEHICLE_REG ---------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("White van reg LK19 ZXP on the kerb", "LK19 ZXP")]
    [InlineData("Car parked across my drive, BD51 SMR", "BD51 SMR")]
    [InlineData("GK11 UYH red Polo parked on the zig zags", "GK11 UYH")]
    [InlineData("my old car P452 JYK went to the scrapyard", "P452 JYK")]
    [InlineData("Classic Mini reg ABC 123D spotted", "ABC 123D")]
    [InlineData("number plate LR23EVS on the Tesla", "LR23EVS")]
    public void Registrations_near_vehicle_words_are_found(string text, string value) => AssertFinds(text, "VEHICLE_REG", value);

    [Theory]
    [InlineData("Product code AB12 CDE is the grey variant")] // right shape, no vehicle
    [InlineData("Serial YX68 KTN on the drone")]
    [InlineData("car reg AB01 CDE")] // age identifier 01 was never issued
    [InlineData("car reg AB47 CDE")] // 47 is neither March nor September
    [InlineData("car reg AB99 CDE")] // not issued yet
    [InlineData("car reg IB12 CDE")] // I is not a region letter
    [InlineData("car reg QRS 55A")] // Q is never used
    [InlineData("car reg ABC 123I")] // I is not an age letter
    [InlineData("Flight BA2490 delayed, the car is at the airport")]
    [InlineData("Bus N29 from Trafalgar Square, then a cab")]
    [InlineData("Parked at NCP on Level 4, bay 212")]
    public void Vehicle_look_alikes_are_not(string text) => Assert.DoesNotContain(Found(text), f => f.Type == "VEHICLE_REG");

    [Theory]
    [InlineData("car lk19zxp blocking my drive again", "lk19zxp")] // lower case, current format
    [InlineData("ULEZ fine for GK11 UYH, it's a 2019 diesel", "GK11 UYH")]
    [InlineData("Congestion charge taken twice for BD51 SMR", "BD51 SMR")]
    [InlineData("Road rage idiot in LK19 ZXP this morning", "LK19 ZXP")]
    [InlineData("Old Beetle P452 JYK for sale, one owner", "P452 JYK")]
    public void Registrations_near_charging_and_driving_words_are_found(string text, string value) => AssertFinds(text, "VEHICLE_REG", value);

    [Theory]
    [InlineData("Buggy model AB12 CDE recalled, the car seat too")] // the word before names a product code
    [InlineData("car wash voucher code lk19zxp")]
    [InlineData("lk19zxp is my wifi password")]
    public void Product_codes_near_vehicle_words_are_not_registrations(string text) => Assert.DoesNotContain(Found(text), f => f.Type == "VEHICLE_REG");

    // ---- DOB -----------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("DOB 14/03/1987 please", "14/03/1987")]
    [InlineData("my DOB is 22.07.1990 and", "22.07.1990")]
    [InlineData("Grandad was born on 4th July 1936 in Bethnal Green", "4th July 1936")]
    [InlineData("Date of birth 1994-12-01, postcode", "1994-12-01")]
    [InlineData("I was born on the 21st of September 1991 at St Thomas'", "21st of September 1991")]
    [InlineData("Born March 3, 1984 in Hackney", "March 3, 1984")]
    [InlineData("d.o.b. 09/09/1985 for the prescription", "09/09/1985")]
    [InlineData("my date of birth (10/10/1980) on every visit", "10/10/1980")]
    [InlineData("dob 02/02/02 lol", "02/02/02")]
    public void Dates_after_birth_words_are_found(string text, string value) => AssertFinds(text, "DOB", value);

    [Theory]
    [InlineData("Gig at Brixton Academy on 14/03/2027")]
    [InlineData("Born and raised in Walthamstow since 1990")]
    [InlineData("Born and bred in Brixton; moved away 20 March 2000")]
    [InlineData("The club was founded on 4th July 1936")]
    [InlineData("Best before 03/11/2026, still fine")]
    [InlineData("Birthday party for Sam on 12 Feb 2027")]
    [InlineData("DOB 31/02/1990")] // no such day
    [InlineData("DOB 13/13/1990")] // no such month either way round
    public void Other_dates_are_not_dates_of_birth(string text) => AssertClean(text);

    [Theory]
    [InlineData("the GP has my DOB as 3 Oct 1975, wrong again", "3 Oct 1975")]
    [InlineData("DOB: 7 June 81 on the form", "7 June 81")] // a two-digit year after the month
    [InlineData("DOB on the insurance form 12/05/1979, please fix", "12/05/1979")]
    [InlineData("date of birth? sure: 1986-11-30", "1986-11-30")]
    [InlineData("my birthday is 2 Feb 1991, cake welcome", "2 Feb 1991")]
    [InlineData("bday: Aug 9th 1993 in case you forgot", "Aug 9th 1993")]
    [InlineData("My nan was born on 3 May 1940 in Deptford", "3 May 1940")]
    public void Dates_of_birth_named_in_other_phrasings_are_found(string text, string value) => AssertFinds(text, "DOB", value);

    [Theory]
    [InlineData("Born on the 5th of November, the play, at the Young Vic")] // "born" without a year
    [InlineData("born on 12 March? free pint this week")]
    [InlineData("The idea was born on 2 May 2015 in a pub")] // a thing, not a person
    [InlineData("Our cafe was born on 9 June 2011")]
    [InlineData("D.O.B. checks at the door on 14/02/2026, bring ID")]
    [InlineData("birthday drinks on 3 Sept, all welcome")] // a birthday without its year
    public void Dates_near_birth_words_that_are_not_dates_of_birth_are_not(string text) => Assert.DoesNotContain(Found(text), f => f.Type == "DOB");

    // ---- ADDRESS -------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("Party at 42 Elmore Street, N1 3AL, bring a bottle", "42 Elmore Street, N1 3AL")]
    [InlineData("Parcel went to Flat 3, 21 Baker Street, NW1 6XE instead", "Flat 3, 21 Baker Street, NW1 6XE")]
    [InlineData("Viewing at 23a Rye Lane tomorrow", "23a Rye Lane")]
    [InlineData("host sent me to 7-9 Redchurch Street", "7-9 Redchurch Street")]
    [InlineData("invites to 33 St John's Avenue, SW15 6AL please", "33 St John's Avenue, SW15 6AL")]
    [InlineData("Moving to 9 Priory Mews, London SE15 4BQ next week", "9 Priory Mews, London SE15 4BQ")]
    [InlineData("post goes to Flat 2, Rose Court, 21 Park Hill Road, CR0 5NS now", "Flat 2, Rose Court, 21 Park Hill Road, CR0 5NS")]
    [InlineData("Home is Rose Cottage, Mill Lane, KT23 4HS now", "Rose Cottage, Mill Lane, KT23 4HS")]
    [InlineData("Skip outside 38 Chatsworth road for weeks", "38 Chatsworth road")]
    public void Street_addresses_are_found_with_their_flat_and_postcode(string text, string value) => AssertFinds(text, "ADDRESS", value);

    [Theory]
    [InlineData("Meet you outside Baker Street station at 7")]
    [InlineData("The 38 Essex Road bus is on diversion again")]
    [InlineData("Exit 4 Edgware Road leads to the Bakerloo line")]
    [InlineData("10 Downing Street has a new cat")]
    [InlineData("The Sherlock Holmes Museum at 221B Baker Street had a queue")]
    [InlineData("Portobello Road Market is heaving")]
    [InlineData("3 Oxford Street stores closing this year")]
    [InlineData("2 Hyde Park concerts this summer")]
    [InlineData("Rose Cottage, Mill Lane is lovely")] // a house name without a number needs its postcode
    [InlineData("Spent £40 at Borough Market")]
    [InlineData("The Gherkin at 30 St Mary Axe lit up")]
    public void Landmarks_stations_venues_and_routes_are_not_addresses(string text) => AssertClean(text);

    [Theory]
    [InlineData("moved into the box room, 14 Harcourt Road last week", "14 Harcourt Road")] // a noun then a comma is not "room 14"
    [InlineData("Courier left it at no. 45 Elm Grove, wrong house", "45 Elm Grove")]
    [InlineData("Landlord at 12 Cedar Mansions, Belsize Park won't fix the boiler", "12 Cedar Mansions, Belsize Park")]
    [InlineData("Leak in Flat 6, Wren House, Curtain Road again", "Flat 6, Wren House, Curtain Road")]
    [InlineData("Fete at The Old Forge, Church Lane, Ewell KT17 1AA on Sunday", "The Old Forge, Church Lane, Ewell KT17 1AA")]
    [InlineData("the old shop at 18 Cross Street is up for rent", "18 Cross Street")]
    public void Addresses_on_buildings_and_after_other_nouns_are_found(string text, string value) => AssertFinds(text, "ADDRESS", value);

    [Theory]
    [InlineData("The Design Museum at 224 Kensington High Street has a new show")] // an institution's name
    [InlineData("Rich Mix arts hall, 35 Bethnal Green Road, gigs all week")] // a venue, then its address
    [InlineData("1 Park Lane flats selling for millions")]
    [InlineData("4 Maple Avenue set tour sold out")]
    public void Venue_addresses_are_not_home_addresses(string text) => Assert.DoesNotContain(Found(text), f => f.Type == "ADDRESS");

    // ---- all of them ---------------------------------------------------------------------------------------------

    [Fact]
    public void Each_new_type_has_its_label_and_can_be_switched_off()
    {
        var text = "DOB 14/03/1987, licence MORGA753116SM9IJ, car reg LK19 ZXP, passport 925374810, sort code 20-00-00, lives at 5 Mill Lane";
        Assert.Equal(
            "DOB [DOB], licence [DRIVING_LICENCE], car reg [VEHICLE_REG], passport [PASSPORT], sort code [BANK], lives at [ADDRESS]",
            Redactor.Redact(text).Text);

        var onlyDob = new PiiRedactor(new RedactPiiOptions { Entities = ["dob"], HashMentions = false });
        Assert.Equal([PiiEntities.Dob], onlyDob.Redact(text).Types);
    }
}

public sealed class PiiScannerCasingTests
{
    [Theory]
    [InlineData("Baker")]
    [InlineData("STREET")]
    [InlineData("")]
    [InlineData("Straße")]
    [InlineData("ÉCOLE")]
    [InlineData("İstanbul")]
    [InlineData("ΣΟΦΙΑ")]
    public void Lower_casing_a_word_equals_the_invariant_lower_casing(string word)
    {
        Span<char> fast = stackalloc char[16];
        Span<char> invariant = stackalloc char[16];
        var length = PiiScanner.LowerInvariant(word, fast);

        Assert.Equal(word.AsSpan().ToLowerInvariant(invariant), length);
        Assert.Equal(invariant[..length].ToString(), fast[..length].ToString());
    }

    [Theory]
    [InlineData("Knightsbridge")]
    [InlineData("Knightsbrüdge")]
    public void A_word_longer_than_the_buffer_is_refused_as_before(string word)
    {
        Span<char> buffer = stackalloc char[4];
        Assert.Equal(-1, PiiScanner.LowerInvariant(word, buffer));
    }
}
