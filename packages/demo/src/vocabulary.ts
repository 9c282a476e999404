// Genre vocabularies for titles and plots. Each genre has its own people, places, events, goals and
// themes, so plots of two items of the same genre share words (a text-similarity model can tell
// them apart from other genres). Lists are '|'-separated strings to keep the data compact.

export const GENRES = [
  'Action',
  'Adventure',
  'Animation',
  'Comedy',
  'Crime',
  'Documentary',
  'Drama',
  'Family',
  'Fantasy',
  'Horror',
  'Mystery',
  'Romance',
  'Sci-Fi',
  'Thriller',
  'Slice of Life',
  'Mecha',
] as const;
export type Genre = (typeof GENRES)[number];

export interface GenreVocabulary {
  /** Protagonists, without article ("retired hitman"). */
  who: string[];
  /** Settings, with article ("a locked-down skyscraper"). */
  where: string[];
  /** Inciting events as clauses ("a convoy is ambushed at dawn"). */
  event: string[];
  /** Goals as verb phrases ("rescue the hostages"). */
  goal: string[];
  /** Themes as nouns ("revenge"); also used as keywords. */
  theme: string[];
  /** Title words. */
  adj: string[];
  noun: string[];
  /** Genres that plausibly accompany this one as second or third genre. */
  companions: Genre[];
}

type RawVocabulary = Record<Exclude<keyof GenreVocabulary, 'companions'>, string> & {
  companions: Genre[];
};

const RAW: Record<Genre, RawVocabulary> = {
  Action: {
    who: 'former special forces medic|getaway driver|bodyguard|retired hitman|stunt pilot|border agent|bounty hunter|demolition expert',
    where: 'a locked-down skyscraper|the docks of a smuggling port|the carriages of a speeding armoured train|a mountain pass on the convoy route|a mercenary compound in the desert|a gridlocked capital',
    event: 'a convoy is ambushed at dawn|a hostage exchange goes wrong|a stolen warhead goes missing|a former partner turns traitor|an explosion levels the safehouse',
    goal: 'rescue the hostages before the deadline|outrun a private army|take down the arms dealer|protect a key witness|stop the heist from the inside',
    theme: 'revenge|loyalty|firepower|survival|betrayal|adrenaline',
    adj: 'Iron|Rapid|Lethal|Steel|Burning|Maximum|Ballistic',
    noun: 'Strike|Pursuit|Payload|Crossfire|Extraction|Vendetta|Impact|Countdown|Breach',
    companions: ['Adventure', 'Thriller', 'Crime', 'Sci-Fi', 'Comedy'],
  },
  Adventure: {
    who: 'treasure hunter|young cartographer|ship cook|explorer|runaway heir|mountain guide|archaeologist',
    where: 'an uncharted jungle|a lost island|the frozen north|a sunken temple|a desert caravan route|a forgotten canyon',
    event: 'an ancient map surfaces in a pawn shop|the expedition ship runs aground|a sandstorm scatters the caravan|a rival crew steals the compass',
    goal: 'find the lost city|cross the ice before winter|recover the hidden relic|reach the summit|chart the unknown river',
    theme: 'discovery|courage|exploration|the unknown|wanderlust|legend',
    adj: 'Lost|Hidden|Golden|Wild|Distant|Uncharted|Sunken',
    noun: 'Expedition|Compass|Voyage|Relic|Frontier|Summit|Caravan|Atlas|Island',
    companions: ['Action', 'Fantasy', 'Family', 'Comedy', 'Documentary'],
  },
  Animation: {
    who: 'talking fox|tiny robot|brave mouse|paper dragon|lonely cloud|toy soldier|clumsy wizard apprentice',
    where: 'a colourful toy workshop|a floating island made of candy|a forest of singing trees|a bustling bug city|a painted kingdom',
    event: 'the toys come to life at midnight|the colours start to fade from the world|a magic crayon goes missing|the seasons get mixed up',
    goal: 'bring the colours back|find the way home|save the workshop|learn to fly|win the great festival race',
    theme: 'imagination|colour|wonder|teamwork|being yourself|make-believe',
    adj: 'Little|Magic|Bouncy|Sparkling|Tiny|Merry|Whimsical',
    noun: 'Doodles|Paws|Gadget|Balloon|Crayon|Lantern|Whiskers|Jellybean|Acorn',
    companions: ['Family', 'Comedy', 'Adventure', 'Fantasy'],
  },
  Comedy: {
    who: 'hapless wedding planner|failed stand-up comedian|accidental mayor|overconfident intern|substitute teacher|part-time magician',
    where: 'a chaotic family reunion|a small-town talent show|a disastrous office retreat|a budget seaside resort|a run-down motel',
    event: 'a prank spirals out of control|two weddings are booked on the same day|the boss leaves on holiday and forgets the keys|a winning lottery ticket goes missing',
    goal: 'pull off the perfect party|keep the lie going for one more week|win back the family restaurant|survive the holidays|pass as a millionaire',
    theme: 'awkwardness|mishaps|chaos|embarrassment|laughter|mix-ups',
    adj: 'Awkward|Big|Crazy|Hopeless|Lucky|Clueless|Accidental',
    noun: 'Mixup|Shenanigans|Fiasco|Getaway|Roommates|Blunder|Honeymoon|Weekend|Punchline',
    companions: ['Romance', 'Family', 'Drama', 'Action'],
  },
  Crime: {
    who: 'detective|con artist|forensic accountant|undercover officer|crime reporter|defence lawyer|safecracker',
    where: 'a rain-soaked harbour city|a corrupt police precinct|a casino on the waterfront|the back rooms of a mob restaurant|a sleepy coastal town',
    event: 'a body washes up under the pier|a bank vault is emptied overnight|a witness disappears before the trial|a cartel moves into the neighbourhood',
    goal: 'catch the killer|expose the corrupt commissioner|pull off one last heist|clear a wrongly convicted brother|infiltrate the syndicate',
    theme: 'corruption|guilt|justice|greed|the underworld|organised crime',
    adj: 'Dirty|Cold|Crooked|Silent|Hollow|Blind|Midnight',
    noun: 'Precinct|Alibi|Syndicate|Confession|Verdict|Racket|Ledger|Witness|Heist',
    companions: ['Thriller', 'Drama', 'Mystery', 'Action'],
  },
  Documentary: {
    who: 'marine biologist|team of climbers|wildlife photographer|historian|chef|group of engineers|astronomer',
    where: 'the deep ocean|the Arctic tundra|the coral reefs|the oasis towns of ancient trade routes|the busiest cities on earth|the rainforest canopy',
    event: 'the ice melts earlier every year|a forgotten archive is opened|a species returns after decades|a city rebuilds after the flood',
    goal: 'document the migration of whales|trace the history of spices|record the last glaciers|understand how cities feed themselves|follow a year in the life of a wolf pack',
    theme: 'nature|history|science|climate|culture|ecosystems',
    adj: 'Living|Secret|Frozen|Ancient|Blue|Untamed|Real',
    noun: 'Planet|Oceans|Archive|Migration|Kingdoms|Frontiers|Seasons|Wilderness|Chronicles',
    companions: ['Drama', 'Family', 'Adventure'],
  },
  Drama: {
    who: 'grieving widow|struggling musician|factory worker|estranged daughter|ageing boxer|young teacher|immigrant father',
    where: 'a declining mill town|a crowded city hospital|a family farm|a boarding school|a small fishing village',
    event: 'a father falls ill and the family gathers again|the factory announces its closure|an old letter reveals a family secret|a scholarship changes everything',
    goal: 'keep the family farm|rebuild a broken marriage|find forgiveness|give one last performance|start over',
    theme: 'grief|family|sacrifice|redemption|ambition|memory',
    adj: 'Quiet|Broken|Long|Bitter|Tender|Fragile|Still',
    noun: 'Inheritance|Homecoming|Letters|Harvest|Silence|Promise|Years|Ashes|Daughters',
    companions: ['Romance', 'Crime', 'Comedy', 'Mystery'],
  },
  Family: {
    who: 'single dad|group of siblings|grandmother|rescue dog|young inventor|new kid in town',
    where: 'a sleepy suburb|a summer camp by the lake|a countryside farm|a holiday cabin|a neighbourhood bakery',
    event: 'the family moves to a new town|a stray puppy follows them home|the holiday plans fall apart|grandpa plans to tear down the old treehouse',
    goal: 'save the summer camp|win the science fair|keep the puppy secret|reunite everyone for the holidays|build the best treehouse',
    theme: 'kindness|growing up|home|siblings|togetherness|pets',
    adj: 'Happy|Sunny|Best|Cosy|Brave|Jolly',
    noun: 'Summer|Treehouse|Puppy|Holidays|Neighbours|Campfire|Picnic|Sidekick|Backyard',
    companions: ['Animation', 'Comedy', 'Adventure', 'Fantasy'],
  },
  Fantasy: {
    who: 'young sorceress|exiled prince|dragon rider|blacksmith apprentice|elf archer|wandering knight',
    where: 'a kingdom under a cursed sky|an enchanted forest|a floating citadel|the realm beyond the mirror|a city of wizards',
    event: 'an ancient prophecy awakens|the dragons return|the king is cursed|a portal opens in the old well',
    goal: 'break the curse|reclaim the stolen throne|unite the warring clans|forge the legendary sword|defeat the dark sorcerer',
    theme: 'magic|destiny|prophecy|honour|sorcery|ancient power',
    adj: 'Enchanted|Shadow|Crystal|Eternal|Crimson|Cursed|Elder',
    noun: 'Throne|Crown|Dragon|Realm|Spellbook|Citadel|Prophecy|Sword|Oath',
    companions: ['Adventure', 'Action', 'Romance', 'Drama'],
  },
  Horror: {
    who: 'paranormal investigator|night nurse|group of campers|grieving mother|village priest|babysitter',
    where: 'an abandoned asylum|a house at the edge of the woods|a remote cabin|a flooded village|a haunted boarding house|an old lighthouse',
    event: 'the dead begin to whisper|a mirror shows someone who is not there|the campers vanish one by one|something scratches inside the walls',
    goal: 'survive until dawn|banish the demon|escape the cursed house|uncover what haunts the village|break the ritual',
    theme: 'dread|possession|fear|the supernatural|madness|ghosts',
    adj: 'Wicked|Pale|Rotten|Grim|Bleeding|Haunted|Hollow',
    noun: 'Cellar|Ritual|Whispers|Seance|Hex|Crypt|Nightmare|Scarecrow|Apparition',
    companions: ['Thriller', 'Mystery', 'Drama'],
  },
  Mystery: {
    who: 'amateur sleuth|retired inspector|librarian|private investigator|puzzle writer|village doctor',
    where: 'a snowed-in country manor|a sleepy village|a luxury train|an island hotel|a university archive',
    event: 'a guest is found dead in a locked room|a priceless painting disappears|an anonymous letter arrives|every clock in the manor stops at midnight',
    goal: 'solve the locked-room murder|unmask the blackmailer|find the missing heiress|decode the riddle|uncover the truth behind the disappearance',
    theme: 'secrets|clues|deception|riddles|suspicion|the truth',
    adj: 'Curious|Vanishing|Twelfth|Locked|Strange|Missing',
    noun: 'Clue|Riddle|Manor|Cipher|Keyhole|Enigma|Puzzle|Locket|Inquest',
    companions: ['Crime', 'Thriller', 'Drama', 'Horror'],
  },
  Romance: {
    who: 'florist|aspiring chef|bookshop owner|wedding photographer|violinist|travel writer',
    where: 'a seaside town in summer|a Parisian cafe|a vineyard in autumn|a snowy ski resort|a busy city bookshop',
    event: 'two strangers share a taxi in the rain|an old flame returns to town|a mistaken text message sparks a conversation|a fake engagement gets out of hand',
    goal: 'win back a first love|choose between two hearts|keep a promise made years ago|find love before the summer ends|confess their feelings',
    theme: 'love|longing|heartbreak|first love|second chances|passion',
    adj: 'Sweet|Sudden|Endless|Lovely|Moonlit|Secret|Starry',
    noun: 'Kiss|Heart|Serenade|Valentine|Sweetheart|Bouquet|Rendezvous|Crush|Letters',
    companions: ['Comedy', 'Drama', 'Fantasy'],
  },
  'Sci-Fi': {
    who: 'astronaut|android|starship pilot|rogue scientist|colony engineer|time traveller|hacker',
    where: 'a dying space station|a terraformed Mars colony|a generation ship|a city run by machines|the outer rim of the galaxy',
    event: 'a signal arrives from deep space|the ship AI wakes up|a wormhole opens above Earth|the colony loses contact with home|a clone appears with stolen memories',
    goal: 'decode the alien transmission|stop the rogue AI|repair the reactor before the orbit decays|prevent a temporal paradox|lead the colonists to a new world',
    theme: 'artificial intelligence|first contact|time travel|identity|the cosmos|technology',
    adj: 'Quantum|Orbital|Neon|Synthetic|Stellar|Binary|Zero',
    noun: 'Horizon|Signal|Protocol|Nebula|Singularity|Orbit|Station|Vector|Eclipse',
    companions: ['Action', 'Thriller', 'Adventure', 'Mystery', 'Drama'],
  },
  Thriller: {
    who: 'whistleblower|hostage negotiator|intelligence analyst|investigative journalist|surgeon|air traffic controller',
    where: 'a paranoid capital|a hijacked airliner|a high-security lab|a remote border town|a locked hotel floor',
    event: 'a stranger knows every secret|the evidence vanishes overnight|a phone call starts a countdown|a routine flight is hijacked',
    goal: 'expose the conspiracy|stay one step ahead of the assassin|prove their innocence|stop the attack before midnight|find the mole',
    theme: 'paranoia|conspiracy|suspense|surveillance|trust|espionage',
    adj: 'Deadly|Dark|Fatal|Covert|Final|Twisted',
    noun: 'Conspiracy|Hour|Dossier|Target|Asset|Trap|Mole|Blackout|Cover',
    companions: ['Crime', 'Mystery', 'Action', 'Horror', 'Drama'],
  },
  'Slice of Life': {
    who: 'high-school student|cafe owner|retired salaryman|new office worker|art club member|university roommate',
    where: 'a quiet seaside town|a neighbourhood cafe|a school art club|a small apartment in the city|a countryside inn',
    event: 'spring arrives and the cherry trees bloom|a new student joins the club|the cafe gets its first regular customer|a summer festival comes to town',
    goal: 'open a little bakery|finish the school festival mural|make friends in a new town|learn to cook for the family|enjoy the last summer before graduation',
    theme: 'everyday life|seasons|small joys|school days|food|companionship',
    adj: 'Gentle|Everyday|Slow|Warm|Peaceful|Sunlit',
    noun: 'Afternoons|Teacup|Bento|Breeze|Moments|Bakery|Umbrella|Postcards|Days',
    companions: ['Comedy', 'Romance', 'Drama'],
  },
  Mecha: {
    who: 'young mech pilot|academy cadet|reactor engineer|squad commander|mech mechanic',
    where: 'a besieged orbital colony|a military academy on the moon|a ruined megacity|the trenches of a planetary war',
    event: 'giant machines rise from the sea|the enemy fleet breaks through the defence line|an experimental mech chooses its pilot|the academy comes under attack',
    goal: 'pilot the prototype mech|defend the last city|end the war between the colonies|sync with the ancient machine',
    theme: 'war|machines|duty|rivalry|giant robots|comradeship',
    adj: 'Titan|Armoured|Valiant|Thunder|Gear|Heavy',
    noun: 'Frame|Armour|Vanguard|Colossus|Squadron|Bulwark|Guardian|Engine|Drive',
    companions: ['Sci-Fi', 'Action', 'Drama'],
  },
};

const split = (s: string): string[] => s.split('|');

export const VOCABULARY: Record<Genre, GenreVocabulary> = Object.fromEntries(
  Object.entries(RAW).map(([genre, raw]) => [
    genre,
    {
      who: split(raw.who),
      where: split(raw.where),
      event: split(raw.event),
      goal: split(raw.goal),
      theme: split(raw.theme),
      adj: split(raw.adj),
      noun: split(raw.noun),
      companions: raw.companions,
    },
  ]),
) as Record<Genre, GenreVocabulary>;
