using TweetStream.Transforms.Pii;

namespace TweetStream.Tests.Transforms.Pii;

public sealed class PiiRecognizerTests
{
    private static readonly PiiRedactor Redactor = new(new RedactPiiOptions { HashMentions = false });

    private static string Redact(string text) => Redactor.Redact(text).Text;

    private static void AssertFound(string type, string value)
    {
        var text = "before " + value + " after";
        var spans = Redactor.Find(text);
        var span = Assert.Single(spans);
        Assert.Equal(type, span.Type);
        Assert.Equal(value, text[span.Start..span.End]);
        Assert.Equal("before [" + type + "] after", Redact(text));
    }

    private static void AssertClean(string text) => Assert.Empty(Redactor.Find(text));

    [Theory]
    [InlineData("alice@example.com")]
    [InlineData("bob.smith+events@mail.example.co.uk")]
    [InlineData("J.O'Neil@firm.london")]
    [InlineData("UPPER@EXAMPLE.COM")]
    public void Email_addresses_are_found(string value) => AssertFound("EMAIL", value);

    [Theory]
    [InlineData("alice [at] example [dot] com")]
    [InlineData("bob.smith(at)example.co.uk")]
    [InlineData("jo [AT] mail [DOT] org")]
    public void Written_out_email_addresses_are_found(string value) => AssertFound("EMAIL", value);

    [Theory]
    [InlineData("look (at) this.com")]
    [InlineData("meet [at] the pub (at) 6")]
    public void Written_out_at_in_prose_is_not_an_email(string text) => AssertClean(text);

    [Theory]
    [InlineData("meet @ 5pm")]
    [InlineData("user@localhost")]
    [InlineData("price a@b.c1")]
    public void Email_look_alikes_are_not(string text) => AssertClean(text);

    [Theory]
    [InlineData("020 7946 0958")]
    [InlineData("(020) 7946 0958")]
    [InlineData("07700 900123")]
    [InlineData("07700-900-123")]
    [InlineData("07700.900.123")]
    [InlineData("07911123456")]
    [InlineData("+44 20 7946 0958")]
    [InlineData("+44 (0)20 7946 0958")]
    [InlineData("+447700900123")]
    [InlineData("0044 20 7946 0958")]
    [InlineData("+1 (212) 555-0100")]
    [InlineData("+33 1 23 45 67 89")]
    [InlineData("212-555-0100")]
    [InlineData("+44 (0) 20 7946 0958")]
    [InlineData("020\u00A07946\u00A00958")]
    [InlineData("+44 07700 900123")]
    [InlineData("(07700) 900123")]
    [InlineData("0207 946 0958")]
    [InlineData("07700 900 123")]
    public void Phone_numbers_are_found_in_uk_and_international_formats(string value) => AssertFound("PHONE", value);

    [Theory]
    [InlineData("Open 09:00-17:30 Mon-Fri")]
    [InlineData("Arsenal 2-1 Spurs, 4-4-2 again")]
    [InlineData("on 26/11/2026 and 2026-11-26 and 26.11.2026")]
    [InlineData("020 7946 095 is a digit short")]
    [InlineData("rent £2,450 pcm, flat £1,250,000")]
    [InlineData("call 999 or 111")]
    public void Phone_look_alikes_are_not(string text) => AssertClean(text);

    [Theory]
    [InlineData("4111 1111 1111 1111")]
    [InlineData("5555-5555-5555-4444")]
    [InlineData("3782 822463 10005")]
    [InlineData("4012888888881881")]
    [InlineData("2223 0000 4840 0011")]
    public void Card_numbers_are_found(string value) => AssertFound("CARD", value);

    [Theory]
    [InlineData("4111 1111 1111 1112")]
    [InlineData("5555-5555-5555-4445")]
    [InlineData("4012888888881882")]
    public void Card_numbers_failing_luhn_are_not_redacted(string value) => AssertClean("card " + value + " here");

    [Fact]
    public void Tweet_ids_are_not_cards_or_anything_else() =>
        AssertClean("see 1862345678901234567 and https://x.com/a/status/1862345678901234567");

    [Theory]
    [InlineData("GB82 WEST 1234 5698 7654 32")]
    [InlineData("GB82WEST12345698765432")]
    [InlineData("DE89 3704 0044 0532 0130 00")]
    [InlineData("FR14 2004 1010 0505 0001 3M02 606")]
    [InlineData("gb82west12345698765432")]
    public void Ibans_are_found(string value) => AssertFound("IBAN", value);

    [Theory]
    [InlineData("GB82 WEST 1234 5698 7654 33")]
    [InlineData("GB82WEST12345698765433")]
    [InlineData("DE89 3704 0044 0532 0130 01")]
    public void Ibans_failing_mod97_are_not_redacted(string value) => AssertClean("pay " + value + " now");

    [Theory]
    [InlineData("AB123456C")]
    [InlineData("JG 10 37 25 B")]
    [InlineData("AB 123456 C")]
    [InlineData("ZX 98 76 54")]
    public void National_insurance_numbers_are_found(string value) => AssertFound("NINO", value);

    [Theory]
    [InlineData("QQ123456C")]
    [InlineData("GB123456A")]
    [InlineData("DA123456A")]
    [InlineData("AO123456A")]
    [InlineData("TN 12 34 56 B")]
    [InlineData("AB123456E")]
    public void National_insurance_numbers_with_unallocated_prefixes_are_not_redacted(string value) => AssertClean("ni " + value + " x");

    [Theory]
    [InlineData("943 476 5919")]
    [InlineData("943-476-5919")]
    [InlineData("4505577104")]
    public void Nhs_numbers_are_found(string value) => AssertFound("NHS", value);

    [Theory]
    [InlineData("943 476 5918")]
    [InlineData("401 023 2138")]
    [InlineData("4505577105")]
    public void Nhs_numbers_failing_mod11_are_not_redacted(string value) => AssertClean("nhs " + value + " x");

    [Fact]
    public void A_unix_time_that_passes_mod11_is_not_an_nhs_number() => AssertClean("timestamp 1764150007 in the logs");

    [Theory]
    [InlineData("192.168.1.20")]
    [InlineData("8.8.8.8")]
    [InlineData("2001:db8::1")]
    [InlineData("fe80::1ff:fe23:4567:890a")]
    [InlineData("2001:0db8:85a3:0000:0000:8a2e:0370:7334")]
    [InlineData("::ffff:192.0.2.128")]
    public void Ip_addresses_are_found(string value) => AssertFound("IP", value);

    [Theory]
    [InlineData("v1.2.3 and iOS 18.1.1")]
    [InlineData("firmware 1.2.3.4.5")]
    [InlineData("999.1.1.1")]
    [InlineData("meeting at 10:30:45")]
    [InlineData("mac aa:bb:cc:dd:ee:ff")]
    [InlineData("std::vector<int>")]
    public void Ip_look_alikes_are_not(string text) => AssertClean(text);

    [Fact]
    public void A_port_after_an_ip_is_kept() => Assert.Equal("host [IP]:8080 down", Redact("host 203.0.113.45:8080 down"));

    [Theory]
    [InlineData("SW1A 1AA")]
    [InlineData("E14 5AB")]
    [InlineData("M1 1AE")]
    [InlineData("SE109NF")]
    [InlineData("sw1a 1aa")]
    public void Full_postcodes_are_found(string value) => AssertFound("POSTCODE", value);

    [Theory]
    [InlineData("SE15")]
    [InlineData("NW3")]
    [InlineData("W1T")]
    [InlineData("EC2A")]
    public void Districts_alone_are_found_only_when_asked_for(string value)
    {
        AssertClean("moving to " + value + " soon");
        var districts = new PiiRedactor(new RedactPiiOptions { RedactPostcodeDistricts = true });
        var span = Assert.Single(districts.Find("moving to " + value + " soon"));
        Assert.Equal(("POSTCODE", 10, 10 + value.Length), (span.Type, span.Start, span.End));
    }

    [Theory]
    [InlineData("CO2 levels")]
    [InlineData("HS2 delayed")]
    [InlineData("M25 gridlock, A40 closed")]
    [InlineData("vitamin B12")]
    [InlineData("#SE15 #E14")]
    [InlineData("Flat 3B")]
    [InlineData("iPhone 15 and PS5")]
    public void Postcode_look_alikes_are_not(string text)
    {
        AssertClean(text);
        Assert.Empty(new PiiRedactor(new RedactPiiOptions { RedactPostcodeDistricts = true }).Find(text));
    }

    [Fact]
    public void Url_credentials_and_tracking_values_are_replaced_but_the_link_kept() =>
        Assert.Equal(
            "see https://[URL]@db.example.com/x?id=5&utm_source=[URL] ok",
            Redact("see https://admin:hunter2@db.example.com/x?id=5&utm_source=twitter ok"));

    [Fact]
    public void Numbers_inside_urls_are_left_alone() =>
        AssertClean("https://example.com/2026/11/26/020-7946-0958?page=4111111111111111");

    [Fact]
    public void Mentions_are_replaced_when_not_hashed()
    {
        Assert.Equal("thanks [MENTION] and [MENTION]", Redact("thanks @TfL and @user@mastodon.social"));
        AssertClean("meet me @10am or @ 5");
    }

    [Fact]
    public void Clean_posts_come_back_as_the_same_instance()
    {
        var text = "Lovely sunset over the Thames tonight #london";
        Assert.Same(text, Redactor.Redact(text).Text);
    }

    [Theory]
    [InlineData('1', " ")]
    [InlineData('@', "a")]
    [InlineData('4', "-")]
    [InlineData(':', ":")]
    [InlineData('h', "ttp://")]
    [InlineData('(', "at)a [dot] ")]
    [InlineData('D', "OB 1/1/1990 born on 3rd of May ")]
    [InlineData('c', "ar reg AB12 CDE A123 BCD ABC 123D ")]
    [InlineData('F', "lat 1, Rose Court, 2 A B C D Road, London ")]
    [InlineData('s', "ort code 20-00-00 acc 12345678 ")]
    [InlineData('M', "ORGA753116SM9IJ MORGA 753116 SM9IJ ")]
    [InlineData('1', " Aa Bb Cc Dd Ee Street station ")]
    [InlineData('p', "assport no. 123456789 A1234567 ")]
    [InlineData('A', "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa Cottage, ")]
    public void A_64_KiB_adversarial_text_is_processed(char head, string tail)
    {
        // The scanner reads each position a bounded number of times; these are the shapes that would make a
        // backtracking pattern explode. Throughput on them is measured in RedactBenchmarks.
        var unit = head + tail;
        var text = string.Concat(Enumerable.Repeat(unit, (64 * 1024) / unit.Length));
        var result = Redactor.Redact(text);
        Assert.True(result.Text.Length > 0);
    }
}
