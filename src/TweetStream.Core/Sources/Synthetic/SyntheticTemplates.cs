namespace TweetStream.Sources.Synthetic;

/// <summary>Word lists and sentence templates for synthetic #london posts.</summary>
/// <remarks>
/// Slots in braces are filled by <see cref="SyntheticStreamGenerator"/>. Upper-case slots are PII and become
/// labelled spans; lower-case slots are ordinary values, several of them deliberate look-alikes of PII
/// (times, dates, prices, scores, versions, status ids) that a redactor must leave alone.
/// </remarks>
internal static class SyntheticTemplates
{
    public static readonly string[] FirstNames =
    [
        "Amelia", "Oliver", "Isla", "George", "Ava", "Harry", "Mia", "Noah", "Ivy", "Jack", "Freya", "Leo", "Grace", "Oscar",
        "Sophie", "Alfie", "Poppy", "Charlie", "Lily", "Arthur", "Priya", "Mohammed", "Aisha", "Kwame", "Chloe", "Tom", "Ellie",
        "Ravi", "Zara", "Callum", "Niamh", "Rhys", "Siobhan", "Dev", "Hannah", "Femi", "Ola", "Ben", "Lucy", "Sam",
    ];

    public static readonly string[] LastNames =
    [
        "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson", "Wright", "Thompson",
        "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke", "Khan", "Hughes", "Edwards", "Okafor",
        "Murphy", "Singh", "Ahmed", "Lewis", "Harris", "Turner", "Cooper", "Ward", "Morris", "Begum", "Mensah", "Kelly", "Price",
    ];

    public static readonly string[] UserSuffixes = ["", "_ldn", "_london", "ldn", "_uk", "x", "_e17", "_se1", "_n16", "official"];

    public static readonly string[] Places =
    [
        "Tower Bridge", "Borough Market", "the South Bank", "Camden Lock", "Hyde Park", "Primrose Hill", "Brick Lane", "Covent Garden",
        "Greenwich Park", "Hampstead Heath", "Shoreditch", "Brixton Village", "Columbia Road", "Victoria Park", "Canary Wharf",
        "King's Cross", "Notting Hill", "Richmond Park", "the Barbican", "Tate Modern", "Leicester Square", "Peckham Rye", "Walthamstow",
    ];

    public static readonly string[] TubeLines = ["Central", "Northern", "Jubilee", "Victoria", "District", "Piccadilly", "Elizabeth", "Overground", "Bakerloo", "Metropolitan"];

    public static readonly string[] Foods = ["salt beef bagel", "pie and mash", "flat white", "jollof rice", "bao", "sunday roast", "chicken shop wings", "croissant", "curry", "fish and chips"];

    public static readonly string[] Teams = ["Arsenal", "Spurs", "Chelsea", "West Ham", "Palace", "Fulham", "Brentford", "QPR", "Millwall", "Charlton"];

    public static readonly string[] Events = ["the Winter Wonderland", "a gig at Brixton Academy", "the Christmas lights on Regent Street", "the Proms", "a comedy night in Soho", "the marathon", "Notting Hill Carnival", "a rooftop cinema"];

    public static readonly string[] Weather = ["drizzle", "proper fog", "sideways rain", "a cold snap", "blue skies", "grey skies again", "sleet", "a heatwave (sort of)"];

    public static readonly string[] TopicTags = ["tube", "food", "football", "weather", "londonlife", "TfL", "coffee", "nightlife", "art"];

    public static readonly string[] Days = ["Mon", "Fri", "Sat", "Sun"];

    public static readonly string[] Months = ["Nov", "Dec", "Jan"];

    public static readonly string[] Emoji = ["☕", "🚇", "🌧️", "⚽", "🎄", "😂", "🙄", "👀", "🍻", "🌉"];

    public static readonly string[] Airlines = ["BA", "EZY", "U2", "FR", "VS", "LH"];

    public static readonly string[] Stations = ["Baker Street", "Old Street", "Oxford Circus", "Edgware Road", "Tottenham Court Road", "Liverpool Street", "Mile End", "Camden Road"];

    public static readonly string[] Ordinary =
    [
        "{weather} over {place} this morning {emoji}",
        "{line} line delays again, left at {time} and still not at work",
        "Best {food} in town is near {place}, £{price} and worth it",
        "{team} {score} tonight, what a game {emoji}",
        "Off to {event} on {date}, anyone else going?",
        "Queue at {place} from {time}, doors open {hours}",
        "Walked from {place} to {place} in {num} minutes, London is small really",
        "{line} line part closed this weekend, zone 1-2 is chaos",
        "Cheapest pint near {place} is £{price}. Inflation is wild",
        "Updated the TfL app to v{version} and it still crashes at {place}",
        "Just saw this: x.com/i/web/status/{status} {emoji}",
        "Platform {num} at King's Cross, train at {time} {emoji}",
        "Market at {place} open {hours} on {date}, get the {food}",
        "Half time {score}, {team} need to wake up",
        "Route {num} bus stuck behind a lorry near {place} again",
        "Sunset from {place} at {time} {emoji}",
        "Still {weather} in SE1, typical November",
        "Flight {flight} from Heathrow delayed again, {time} now {emoji}",
        "Meet outside {station} station at {time}",
        "Order {order} from the shop near {place} still not here",
        "Booking ref {code} for {event}, see you there",
        "Born and raised near {place}, moved on {date}",
        "The {num} bus down {station} is on diversion",
    ];

    public static readonly string[] WithPii =
    [
        "Lost my Oyster card at {place}, email {EMAIL} if you find it",
        "Found a wallet near {place}, call {PHONE} to claim it",
        "Anyone selling tickets for {event}? DM or ring {PHONE}",
        "Card {CARD} got skimmed at a cash machine near {place} {emoji}",
        "Typing my NI number {NINO} into yet another form",
        "GP booking asked for my NHS number, it's {NHS}, why is this so hard",
        "Paying back the deposit to {IBAN}, sorry it took so long",
        "Parcel for {POSTCODE} has been 'out for delivery' since {time}",
        "Moving to {POSTCODE} next month, any tips for the area?",
        "Home server at {IP} keeps dropping, BT broadband strikes again",
        "Office VPN gives me {IP} and still no access {emoji}",
        "Shout out to {MENTION} for the {food} recommendation near {place}",
        "{MENTION} are you at {place}? I'm by the entrance",
        "Contact {EMAIL} or {PHONE} for the spare room near {place}",
        "Order confirmed to {POSTCODE}, charged to card {CARD}",
        "Sort code {SORTCODE} acc {ACCOUNT} for the {event} kitty, cheers",
        "Pay me back for the {food}: account number {ACCOUNT}",
        "Lost my passport near {place}, passport no. {PASSPORT}, please RT",
        "Found a driving licence at {place}: {DRIVING_LICENCE}, DM me",
        "Car reg {VEHICLE_REG} parked across my drive again {emoji}",
        "White van {VEHICLE_REG} blocking the bus lane near {place}",
        "The GP receptionist shouted my DOB {DOB} across the room",
        "Grandad was born on {DOB} near {place}",
        "Party at {ADDRESS} on {date}, bring a bottle",
        "Parcel left at {ADDRESS} instead of mine {emoji}",
    ];
}
